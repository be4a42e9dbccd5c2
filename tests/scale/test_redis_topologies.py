"""The app on a real Redis Cluster and behind Sentinel: sessions, rate limits, announcements
to every process's copies and the job queue work as on one server; a Sentinel failover leaves
the app working. (The servers: tests/scale/conftest.py.)"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import pytest
from aiohttp.test_utils import TestClient
from tortoise.transactions import in_transaction

from models.jobs import OutboxMessage
from palm import keys
from palm.jobs import ClusterStreamBroker, SentinelStreamBroker
from services import jobs
from services.errors import RateLimited
from services.ratelimit import Limit, Limiter
from tests.helpers import bearer, login
from tests.identity.test_sessions import heard_one, other_process, refused
from tests.scale.conftest import SentinelSet


async def until(check: Callable[[], object], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition did not hold in time")


async def sessions_work(client: TestClient) -> None:
    """Log in twice, use both, log one out, then every session out: each process hears it."""
    one, two = await login(client, "resident"), await login(client, "resident")
    for token in (one, two):
        assert (await client.get("/api/v1/me", headers=bearer(token))).status == 200
    async with other_process(client) as other:
        assert (await other.authenticate(f"Bearer {one}")).resident_id
        await heard_one(other, client.post("/api/v1/auth/logout", headers=bearer(one)))
        assert await refused(other, one) == "session_invalid"
        assert (await other.authenticate(f"Bearer {two}")).resident_id
        resident = (await other.authenticate(f"Bearer {two}")).resident_id
        await heard_one(other, client.app[keys.DEPS].sessions.end_all(resident))
        assert await refused(other, two) == "session_invalid"
    assert (await client.get("/api/v1/me", headers=bearer(two))).status == 401


async def rate_limits_work(client: TestClient) -> None:
    redis = client.app[keys.DEPS].redis
    one, two = Limiter(redis), Limiter(redis)
    limit, ident = Limit(8, 3600), uuid.uuid4().hex
    for _ in range(5):
        await one.hit("resident", ident, limit)
    for _ in range(3):
        await two.hit("resident", ident, limit)
    with pytest.raises(RateLimited):
        await two.hit("resident", ident, limit)
    await one.flush()


async def jobs_run(client: TestClient) -> None:
    """An outbox message handed to the stream is received and run by the app's worker."""
    async with in_transaction():
        message = await jobs.add("localcopy.announce", {"topic": "nothing", "value": "x"},
                                 key=f"scale:{uuid.uuid4().hex}")  # fmt: skip
    await client.app[keys.JOBS].kick([message.id])

    async def done() -> bool:
        return (await OutboxMessage.get(id=message.id)).done_at is not None

    for _ in range(300):
        if await done():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the job was not received from the stream")


async def test_cluster_sessions(cluster_client: TestClient) -> None:
    await sessions_work(cluster_client)


async def test_cluster_rate_limits(cluster_client: TestClient) -> None:
    await rate_limits_work(cluster_client)


async def test_cluster_job_queue(cluster_client: TestClient) -> None:
    assert isinstance(cluster_client.app[keys.JOBS].broker, ClusterStreamBroker)
    await jobs_run(cluster_client)


async def test_cluster_keys_spread_over_masters(cluster_client: TestClient) -> None:
    """The cluster is really in use: sessions of different residents land in several slots."""
    await login(cluster_client, "resident")
    await login(cluster_client, "elder")
    redis = cluster_client.app[keys.DEPS].redis
    found = [k async for k in redis.scan_iter(match="palm:session*")]
    slots = {await redis.cluster_keyslot(k) for k in found}  # type: ignore[attr-defined]
    assert len(found) >= 4
    assert len(slots) >= 2


async def test_sentinel_sessions(sentinel_client: TestClient) -> None:
    await sessions_work(sentinel_client)


async def test_sentinel_rate_limits(sentinel_client: TestClient) -> None:
    await rate_limits_work(sentinel_client)


async def test_sentinel_job_queue(sentinel_client: TestClient) -> None:
    assert isinstance(sentinel_client.app[keys.JOBS].broker, SentinelStreamBroker)
    await jobs_run(sentinel_client)


async def test_sentinel_failover_keeps_the_app_working(
    sentinel_client: TestClient, redis_sentinel: SentinelSet
) -> None:
    """SENTINEL FAILOVER moves the master to the replica: logins, sessions, announcements and
    jobs carry on against the new master."""
    token = await login(sentinel_client, "resident")
    before = redis_sentinel.master_port()
    after = await asyncio.to_thread(redis_sentinel.failover)
    assert after != before
    # The old master's connections are dropped by the failover; the client asks the sentinels.
    for _ in range(100):
        resp = await sentinel_client.post("/api/v1/auth/login", json={"code": "demo-resident"})
        if resp.status == 200:
            break
        await asyncio.sleep(0.1)
    assert resp.status == 200, await resp.text()
    fresh = str((await resp.json())["token"])
    assert (await sentinel_client.get("/api/v1/me", headers=bearer(fresh))).status == 200
    # The session written before the failover was replicated to what is now the master.
    assert (await sentinel_client.get("/api/v1/me", headers=bearer(token))).status == 200
    changes = sentinel_client.app[keys.DEPS].sessions.changes
    await until(lambda: changes.live, 20)  # subscribed again, on the new master
    await sessions_work(sentinel_client)
    await jobs_run(sentinel_client)


async def test_cluster_medical_cache_and_breaker(cluster_client: TestClient) -> None:
    """The other transactions over several keys (a cache owner's entries and index, a
    breaker's three keys) keep their keys in one slot."""
    from services.medical.breaker import CircuitBreaker, CircuitOpen
    from services.medical.cache import MedicalCache, drop_owner

    deps = cluster_client.app[keys.DEPS]
    cache = MedicalCache(deps.redis, deps.cipher, "c:owner", 60)
    await cache.put("q1", "body one", 1.0)
    await cache.put("q2", "body two", 2.0)
    found = await cache.get("q1")
    assert found is not None
    assert found.body == "body one"
    assert await drop_owner(deps.redis, "c:owner") == 2
    assert await cache.get("q2") is None

    breaker = CircuitBreaker(deps.redis, "scale-test", failures=2, cooldown=30)
    assert await breaker.failed(100.0) is None
    assert await breaker.failed(100.0) == 30
    with pytest.raises(CircuitOpen):
        await breaker.before_call(101.0)
    await breaker.succeeded()
    await breaker.before_call(101.0)
