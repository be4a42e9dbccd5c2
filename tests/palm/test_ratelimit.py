"""Rate limits per IP, per resident and per named action, answered 429 with Retry-After."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from palm.settings import RateLimits, Settings
from services.ratelimit import Limit
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
