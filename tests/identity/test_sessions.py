"""Sessions verified from each process's own copy, and every change reaching every process.

"Another process" here is a second ``Sessions`` over the same Redis with its own subscription,
as a second ``palm serve`` worker has: what it keeps and what it hears are its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from palm import keys
from palm.settings import Settings
from services.errors import DomainError
from services.identity.sessions import Sessions
from services.localcopy import Changes, LocalCopy
from tests.helpers import bearer, login, problem


async def until(check: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition did not hold in time")


@contextlib.asynccontextmanager
async def other_process(client: TestClient, **options: float) -> AsyncIterator[Sessions]:
    deps = client.app[keys.DEPS]
    changes = Changes(deps.redis)
    other = Sessions(deps.redis, deps.sessions.ttl, changes, **options)  # type: ignore[arg-type]
    task = asyncio.create_task(changes.listen())
    try:
        await until(lambda: other.live)
        yield other
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def refused(sessions: Sessions, token: str) -> str:
    try:
        await sessions.authenticate(f"Bearer {token}")
    except DomainError as exc:
        return exc.code
    return "accepted"


async def heard_one(other: Sessions, change: Awaitable[object]) -> None:
    before = other.changes.heard
    await change
    await until(lambda: other.changes.heard > before)


async def test_a_kept_session_needs_no_redis_round_trip(client: TestClient) -> None:
    token = await login(client, "resident")
    async with other_process(client) as other:
        first = await other.authenticate(f"Bearer {token}")
        # Gone from Redis behind everyone's back (no message): the copy still answers, which
        # shows it is the copy that answers. Real changes always publish (the tests below).
        await client.app[keys.DEPS].redis.flushdb()
        assert await other.authenticate(f"Bearer {token}") is first
        assert other.principals.hits == 1


async def test_logout_reaches_every_process(client: TestClient) -> None:
    token = await login(client, "resident")
    async with other_process(client) as other:
        await other.authenticate(f"Bearer {token}")
        await heard_one(other, client.post("/api/v1/auth/logout", headers=bearer(token)))
        assert await refused(other, token) == "session_invalid"
    await problem(await client.get("/api/v1/me", headers=bearer(token)), 401, "session_invalid")


async def test_logout_all_reaches_every_process(client: TestClient) -> None:
    phone, laptop = await login(client, "resident"), await login(client, "resident")
    async with other_process(client) as other:
        await other.authenticate(f"Bearer {phone}")
        await other.authenticate(f"Bearer {laptop}")
        await heard_one(other, client.post("/api/v1/auth/logout-all", headers=bearer(laptop)))
        assert await refused(other, phone) == "session_invalid"
        assert await refused(other, laptop) == "session_invalid"


async def test_a_role_withdrawn_ends_the_staff_sessions_everywhere(client: TestClient) -> None:
    operator = bearer(await login(client, "officer"))
    staff = await login(client, "librarian")
    me = await (await client.get("/api/v1/me", headers=bearer(staff))).json()
    grants = await (
        await client.get(f"/api/v1/admin/grants?resident_id={me['id']}", headers=operator)
    ).json()
    async with other_process(client) as other:
        assert "merchant_staff" in (await other.authenticate(f"Bearer {staff}")).roles
        grant_id = grants["items"][0]["id"]
        await heard_one(other, client.delete(f"/api/v1/admin/grants/{grant_id}", headers=operator))
        assert await refused(other, staff) == "session_invalid"


async def test_a_profile_change_reaches_every_process(client: TestClient) -> None:
    token = await login(client, "resident")
    assert (await (await client.get("/api/v1/me", headers=bearer(token))).json())[
        "language"
    ] is None
    async with other_process(client) as other:
        await other.authenticate(f"Bearer {token}")
        changed = client.patch("/api/v1/me", json={"language": "en"}, headers=bearer(token))
        await heard_one(other, changed)
        assert (await other.authenticate(f"Bearer {token}")).language == "en"
    body = await (await client.get("/api/v1/me", headers=bearer(token))).json()
    assert body["language"] == "en"  # this process's kept profile was dropped too


async def test_a_broken_subscription_drops_the_copy(client: TestClient, settings: Settings) -> None:
    if not settings.redis_url:
        pytest.skip("needs a real Redis (CLIENT KILL)")
    token = await login(client, "resident")
    redis = client.app[keys.DEPS].redis
    async with other_process(client) as other:
        await other.authenticate(f"Bearer {token}")
        assert other.principals.get(token) is None  # kept under its hash, not the token
        killed = await redis.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
        assert killed >= 1
        await until(lambda: not other.live)
        # A change it could not hear while it was away (simulated: the session deleted with no
        # message) is not hidden by a stale copy: the copy went with the subscription.
        await redis.flushdb()
        await until(lambda: other.live)
        assert await refused(other, token) == "session_invalid"


async def test_a_kept_session_is_asked_again_after_a_while(client: TestClient) -> None:
    token = await login(client, "resident")
    async with other_process(client, revalidate_seconds=0.05) as other:
        await other.authenticate(f"Bearer {token}")
        await client.app[keys.DEPS].redis.flushdb()  # no message: only time brings it out
        await asyncio.sleep(0.1)
        assert await refused(other, token) == "session_invalid"


def test_a_read_that_spans_a_change_is_not_kept() -> None:
    copy: LocalCopy[str] = LocalCopy(size=10, fresh_seconds=60)
    copy.live = True
    resident = uuid.uuid4().hex
    epoch = copy.begin()
    copy.forget_owner(resident)  # heard while the read was on its way
    copy.keep("k", "old", resident, epoch)
    assert copy.get("k") is None
    copy.keep("k", "new", resident, copy.begin())
    assert copy.get("k") == "new"


def test_the_copy_keeps_the_most_recently_used() -> None:
    copy: LocalCopy[int] = LocalCopy(size=2, fresh_seconds=60)
    copy.live = True
    for n in range(3):
        copy.keep(f"k{n}", n, "r", copy.begin())
        if n == 1:
            assert copy.get("k0") == 0  # k0 used again: k1 is now the oldest
    assert (copy.get("k0"), copy.get("k1"), copy.get("k2")) == (0, None, 2)
    copy.forget_owner("r")
    assert (copy.get("k0"), copy.get("k2")) == (None, None)


def test_nothing_is_trusted_while_not_subscribed() -> None:
    copy: LocalCopy[int] = LocalCopy(size=2, fresh_seconds=60)
    copy.keep("k", 1, "r", copy.begin())
    assert copy.get("k") is None
