"""Medical access log: 50 concurrent record-read appends for 50 patients, and for one patient.

Appends for different patients lock different head rows and should run side by side, up to
the connection pool; appends for one patient queue on its head row. Both are measured in the
same run, in alternating rounds, with the app's pool (5 connections) and a wider one.

Needs DATABASE_URL naming a scratch PostgreSQL database (its name contains "test"): it is
migrated and its access-log tables are emptied.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from datetime import UTC, datetime

from tortoise.context import TortoiseContext

from models.medical.access_log import AccessAction, AccessLogEntry, AccessLogHead, AccessReason
from palm import storage
from palm.settings import Settings
from services.medical import accesslog
from services.privacy import FieldCipher

PATIENTS, ROUNDS, POOLS = 50, 7, (5, 20)


def _pooled(url: str, size: int) -> str:
    return f"{url}{'&' if '?' in url else '?'}maxsize={size}"


async def _burst(cipher: FieldCipher, patients: list[str]) -> float:
    """Seconds for one append per item of ``patients``, all started at once."""
    now = datetime.now(UTC)
    started = time.perf_counter()
    await asyncio.gather(
        *(
            accesslog.append(
                cipher,
                accesslog.Access(p, uuid.uuid4(), AccessAction.READ, AccessReason.SELF, None),
                now=now,
            )
            for p in patients
        )
    )
    return time.perf_counter() - started


async def _measure(settings: Settings, cipher: FieldCipher) -> tuple[float, float]:
    many = [f"{i:064x}" for i in range(1, PATIENTS + 1)]
    one = [f"{0:064x}"] * PATIENTS
    await AccessLogEntry.all().delete()
    await AccessLogHead.all().delete()
    await _burst(cipher, many + one[:1])  # every head exists: steady state, not first entries
    spread, queued = [], []
    for _ in range(ROUNDS):
        spread.append(PATIENTS / await _burst(cipher, many))
        queued.append(PATIENTS / await _burst(cipher, one))
    # One chain each, no gap: the counts equal the last seq.
    for patient in (many[0], one[0]):
        rows = await AccessLogEntry.filter(patient_key=patient).values_list("seq", flat=True)
        assert sorted(rows) == list(range(1, len(rows) + 1)), patient
    return statistics.median(spread), statistics.median(queued)


async def main(args: argparse.Namespace) -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or "test" not in url.rsplit("/")[-1]:
        print("accesslog: not run: needs DATABASE_URL naming a scratch PostgreSQL database")
        return 0
    base = Settings(env="development", database_url=url)
    await storage.migrate(base)
    cipher = FieldCipher((("bench", os.urandom(32)),))
    print(f"access-log appends, {PATIENTS} at once, median of {ROUNDS} rounds (appends/s)")
    print(f"{'pool':>4} | {'50 patients':>11} | {'1 patient':>9} | ratio")
    for pool in POOLS:
        settings = base.with_(database_url=_pooled(url, pool))
        async with TortoiseContext() as ctx:
            await ctx.init(config=storage.tortoise_config(settings))
            spread, queued = await _measure(settings, cipher)
            await ctx.close_connections()
        print(f"{pool:>4} | {spread:>11,.0f} | {queued:>9,.0f} | {spread / queued:.1f}x")
    return 0
