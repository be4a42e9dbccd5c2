"""Killing the ingestion mid-batch loses or duplicates nothing (a real SIGKILL, mid-write)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from aiohttp.test_utils import TestClient

from models.jobs import OutboxMessage
from models.transit.trips import Tap
from palm import keys
from tests.transit.support import tap, upload

BATCHES, SIZE = 6, 1000
# A validator's uploader: the same batches every time it starts (it retries until acknowledged).
UPLOADER = f"""
import asyncio, sys
from datetime import UTC, datetime
from tortoise.context import TortoiseContext
from models.identity.devices import Device
from palm import storage
from palm.settings import Settings
from services.identity.devices import DevicePrincipal
from services.transit import pricing, taps  # pricing: the job taps queue

async def main():
    settings = Settings(env="development", database_url=sys.argv[1])
    async with TortoiseContext() as ctx:
        await ctx.init(config=storage.tortoise_config(settings), _enable_global_fallback=True)
        device = await Device.get(code="bus-101")
        principal = DevicePrincipal(device.id, device.code, "bus_validator")
        at = datetime.now(UTC)
        for b in range({BATCHES}):
            batch = [taps.TapIn(f"kill-{{b}}-{{i}}", "NOT A CODE", "1", "v", "s", at, "ok")
                     for i in range({SIZE})]
            await taps.ingest(principal, batch, now=at)
            print(b, flush=True)

asyncio.run(main())
"""


async def _uploader(database_url: str, *, kill_after: int | None) -> int:
    """Run the uploader; SIGKILL it while it writes batch ``kill_after``. Its exit code."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", UPLOADER, database_url, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    if kill_after is not None:
        for _ in range(kill_after):
            await process.stdout.readline()
        await asyncio.sleep(0.005)  # into the next batch's transaction
        os.kill(process.pid, signal.SIGKILL)
    return await process.wait()


async def test_killed_ingestion_commits_whole_batches_only(client: TestClient) -> None:
    url = client.app[keys.SETTINGS].database_url
    assert await _uploader(url, kill_after=2) == -signal.SIGKILL
    stored = await Tap.filter(tap_id__startswith="kill-").count()
    assert stored % SIZE == 0
    assert SIZE * 2 <= stored < SIZE * BATCHES
    assert await OutboxMessage.filter(topic="transit.taps.price").count() == stored // SIZE

    assert await _uploader(url, kill_after=None) == 0  # the retry after the crash
    assert await Tap.filter(tap_id__startswith="kill-").count() == SIZE * BATCHES
    assert await OutboxMessage.filter(topic="transit.taps.price").count() == BATCHES


async def test_bad_codes_are_refused_not_charged(client: TestClient) -> None:
    result = await upload(client, [tap("NOT A CODE")])
    assert result["new"] == 1
    assert (await Tap.get()).state == "rejected"
