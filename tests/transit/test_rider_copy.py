"""What a ride code needs about the rider, kept by each process, dropped everywhere on a change."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

from aiohttp.test_utils import TestClient

from palm import keys
from services.localcopy import Changes
from services.transit import cache


async def _until_live(changes: Changes) -> None:
    for _ in range(500):
        if changes.live:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not subscribed in time")


async def test_a_change_to_an_account_reaches_every_process(client: TestClient) -> None:
    here = client.app[keys.DEPS].changes
    other = Changes(here.redis)  # a second process's copies, over the same Redis
    listening = asyncio.create_task(other.listen())
    try:
        await _until_live(here)
        await _until_live(other)
        actor, account = uuid.uuid4(), uuid.uuid4()
        state = cache.RiderState(account, date(1990, 1, 1), 0, None, None)
        await cache.put(here, actor, "self", state, cache.begin(here))
        assert await cache.get(other, actor, "self") == state  # read from Redis, then kept
        await here.redis.delete(*await here.redis.keys("palm:transit:ride*"))
        assert await cache.get(other, actor, "self") == state  # kept: no round trip

        before = other.heard
        await cache.forget(here, account)  # e.g. arrears owed after a failed deduction
        for _ in range(500):
            if other.heard > before:
                break
            await asyncio.sleep(0.01)
        assert await cache.get(other, actor, "self") is None
        assert await cache.get(here, actor, "self") is None
    finally:
        listening.cancel()


async def test_a_read_overtaken_by_a_change_is_not_kept(client: TestClient) -> None:
    changes = client.app[keys.DEPS].changes
    await _until_live(changes)
    actor, account = uuid.uuid4(), uuid.uuid4()
    epoch = cache.begin(changes)  # the database read starts...
    await cache.forget(changes, account)  # ...a payment lands meanwhile...
    stale = cache.RiderState(account, date(1990, 1, 1), 200, None, None)
    await cache.put(changes, actor, "self", stale, epoch)  # ...and the old state arrives
    assert await cache.get(changes, actor, "self") is None  # kept neither here nor in Redis
