"""Taps from validators: stored as uploaded (whole batch or nothing), priced by a job.

Ingestion only inserts (``ON CONFLICT DO NOTHING`` on the validator's tap id) and records one
outbox message in the same transaction, so a validator's retry, a late batch days old, or a
crash mid-batch neither loses nor doubles a tap. Pricing verifies each code for the time of
its tap, flags a code already used (on any validator), and writes the trips.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models.transit_trips import Tap, TapState
from services import jobs
from services.devices import DevicePrincipal

MAX_BATCH = 2000


@dataclass(frozen=True, slots=True)
class TapIn:
    tap_id: str
    code: str
    line: str
    vehicle: str
    stop: str
    tapped_at: datetime
    shown_result: str


@dataclass(frozen=True, slots=True)
class Ingested:
    batch: str
    received: int
    new: int


def batch_id(device: DevicePrincipal, taps: list[TapIn]) -> str:
    """The same upload retried gets the same id, so its pricing job is queued once."""
    digest = hashlib.sha256("\n".join(t.tap_id for t in taps).encode()).hexdigest()[:40]
    return f"{device.code}:{digest}"[:64]


async def ingest(device: DevicePrincipal, taps: list[TapIn], *, now: datetime) -> Ingested:
    """Store a batch atomically; taps already received are left as they are."""
    batch = batch_id(device, taps)
    unique = list({t.tap_id: t for t in taps}.values())
    rows = [(t.tap_id, device.device_id, batch, t.code, t.line, t.vehicle, t.stop, t.tapped_at,
             t.shown_result, TapState.RECEIVED.value, now) for t in unique]  # fmt: skip
    async with in_transaction() as conn:
        if conn.capabilities.dialect == "postgres":
            new = await _insert_postgres(conn, rows)
        else:
            new = await _insert_portable(conn, rows)
        if new:
            await jobs.add("transit.taps.price", {"batch": batch}, key=f"transit-taps:{batch}")
    return Ingested(batch, len(taps), new)


_COLUMNS = (
    "tap_id, device_id, batch, code, line, vehicle, stop, tapped_at, shown_result, state, "
    "received_at"
)
# One statement for the whole batch: column arrays unnested server-side (no per-row model
# objects, no per-row round trip), and the conflict check done by the unique index.
_UNNEST = (
    f"INSERT INTO transit_taps ({_COLUMNS}) SELECT * FROM unnest("  # noqa: S608 (constant)
    "$1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], "
    "$8::timestamptz[], $9::text[], $10::text[], $11::timestamptz[]) "
    "ON CONFLICT (tap_id) DO NOTHING RETURNING 1"
)


async def _insert_postgres(conn: BaseDBAsyncClient, rows: list[tuple[Any, ...]]) -> int:
    columns = [list(column) for column in zip(*rows, strict=True)]
    # fetch, not execute_query: that reads the count from "INSERT 0 n" at the wrong place.
    return len(await conn.execute_query_dict(_UNNEST, columns))


async def _insert_portable(conn: BaseDBAsyncClient, rows: list[tuple[Any, ...]]) -> int:
    found = (
        await Tap.filter(tap_id__in=[r[0] for r in rows])
        .using_db(conn)
        .values_list("tap_id", flat=True)
    )
    known = {str(tap_id) for tap_id in found}
    fresh = [
        Tap(**dict(zip(_COLUMNS.split(", "), r, strict=True))) for r in rows if r[0] not in known
    ]
    await Tap.bulk_create(fresh, ignore_conflicts=True, using_db=conn)
    return len(fresh)
