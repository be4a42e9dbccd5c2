"""Cached platform answers kept per process: read without Redis while fresh, never past their
freshness, and let go in every process when their owner's cache is dropped.

"Another process" is a second ``Changes`` over the same Redis with its own subscription.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from aiohttp.test_utils import TestClient

from palm import keys
from services.localcopy import Changes
from services.medical import cache
from services.medical.cache import MedicalCache, answers_copy
from tests.identity.test_sessions import until
from tests.medical.conftest import ReaderFactory


@contextlib.asynccontextmanager
async def other_process(client: TestClient) -> AsyncIterator[Changes]:
    changes = Changes(client.app[keys.DEPS].redis)
    task = asyncio.create_task(changes.listen())
    try:
        await until(lambda: changes.live)
        yield changes
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _cache(client: TestClient, changes: Changes, owner: str = "r:test") -> MedicalCache:
    deps = client.app[keys.DEPS]
    copy = answers_copy(changes, 60)
    return MedicalCache(deps.redis, deps.cipher, owner, 900, copy)


async def test_a_fresh_answer_is_read_here_without_redis(client: TestClient) -> None:
    async with other_process(client) as changes:
        mine = _cache(client, changes)
        await mine.put("patient", '"p-1"', time.time())
        await client.app[keys.DEPS].redis.flushdb()  # Redis lost it: this process still knows
        found = await mine.get("patient")
        assert found is not None
        assert found.body == '"p-1"'
        assert answers_copy(changes, 60).hits == 1


async def test_an_answer_is_not_kept_past_its_freshness(client: TestClient) -> None:
    async with other_process(client) as changes:
        mine = _cache(client, changes)
        await mine.put("old", "1", time.time() - 61)  # already stale when written
        await mine.put("aging", "2", time.time() - 59.9)  # fresh for a moment only
        await asyncio.sleep(0.2)
        copy = answers_copy(changes, 60)
        assert copy.get("r:test\x00old") is None
        assert copy.get("r:test\x00aging") is None
        assert (await mine.get("old")) is not None  # from Redis: the gateway decides staleness


async def test_dropping_an_owner_reaches_every_process(client: TestClient) -> None:
    deps = client.app[keys.DEPS]
    async with other_process(client) as changes:
        theirs = _cache(client, changes, owner="c:consent")
        await theirs.put("page", "records", time.time())
        assert answers_copy(changes, 60).get("c:consent\x00page") is not None
        before = changes.heard
        assert await cache.drop_owner(deps.redis, "c:consent", deps.changes) == 1
        await until(lambda: changes.heard > before)
        assert answers_copy(changes, 60).get("c:consent\x00page") is None
        assert await theirs.get("page") is None


async def test_without_a_subscription_nothing_is_kept(client: TestClient) -> None:
    changes = Changes(client.app[keys.DEPS].redis)  # never listening: not live
    mine = _cache(client, changes)
    await mine.put("patient", '"p-1"', time.time())
    assert len(answers_copy(changes, 60)) == 0


async def test_record_reads_hit_the_copy(client: TestClient, reader: ReaderFactory) -> None:
    resident = await reader("resident")
    first = await resident.records()
    copy = answers_copy(client.app[keys.DEPS].changes, 60)
    hits = copy.hits
    again = await resident.records()
    assert again == first
    assert copy.hits >= hits + 3  # hospitals, patient id and the page itself


async def test_the_kept_resident_follows_a_real_name_verification(client: TestClient) -> None:
    """The medical endpoints read the caller's row from this process's copy; verifying the
    real name is a change to it, so the next read sees the verified resident at once."""
    from tests.helpers import bearer, new_wechat_user, problem
    from tests.identity.test_me import _add_person

    person = await _add_person(client)
    token = await new_wechat_user(client, "o-kept-resident")
    headers = bearer(token)
    refused = await client.get("/api/v1/medical/records", headers=headers)
    await problem(refused, 403, "real_name_required")  # the unverified row is now kept here
    body = {"name": person["name"], "id_number": person["id_number"]}
    assert (await client.post("/api/v1/me/real-name", json=body, headers=headers)).status == 200
    resp = await client.get("/api/v1/medical/records", headers=headers)
    assert resp.status == 200, await resp.text()
