"""Rate limits per IP, per resident and per named action, answered 429 with Retry-After."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient

from palm import keys
from palm.settings import RateLimits, Settings
from services.errors import RateLimited
from services.ratelimit import Limit, Limiter
from tests.helpers import bearer, problem


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    """The app under test, with tight limits."""
    return base_settings.with_(
        rate_limits=RateLimits(login=Limit(3, 3600), resident=Limit(5, 3600))
    )


async def test_login_limit_per_ip(client: TestClient) -> None:
    for _ in range(3):
        assert (await client.post("/api/v1/auth/login", json={"code": "demo-elder"})).status == 200
    resp = await client.post("/api/v1/auth/login", json={"code": "demo-elder"})
    await problem(resp, 429, "rate_limited")
    assert 1 <= int(resp.headers["Retry-After"]) <= 3600


async def test_resident_limit(client: TestClient) -> None:
    token = (
        await (await client.post("/api/v1/auth/login", json={"code": "demo-resident"})).json()
    )["token"]
    statuses = [(await client.get("/api/v1/me", headers=bearer(token))).status for _ in range(7)]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429, 429]


async def test_processes_share_one_count(client: TestClient) -> None:
    """Two processes' limiters over one Redis: each judges on the shared total once a window's
    count nears its limit (a quarter of it), so together they let through exactly the limit."""
    redis = client.app[keys.DEPS].redis
    one, two = Limiter(redis), Limiter(redis)
    limit = Limit(8, 3600)
    for _ in range(5):
        await one.hit("resident", "r1", limit)
    for _ in range(3):
        await two.hit("resident", "r1", limit)
    with pytest.raises(RateLimited):
        await two.hit("resident", "r1", limit)
    with pytest.raises(RateLimited):
        await one.hit("resident", "r1", limit)
    await one.hit("resident", "r2", limit)  # another identity has its own count


async def test_counts_below_a_quarter_reach_redis_in_a_batch(client: TestClient) -> None:
    redis = client.app[keys.DEPS].redis
    limiter = Limiter(redis, sync_seconds=0.05)
    for _ in range(3):
        await limiter.hit("ip", "10.0.0.1", Limit(1000, 60))
    assert await redis.keys("palm:rl:ip:10.0.0.1:*") == []  # no round trip per request
    await asyncio.sleep(0.2)
    (key,) = await redis.keys("palm:rl:ip:10.0.0.1:*")
    assert int(await redis.get(key)) == 3
    assert 0 < await redis.ttl(key) <= 61
