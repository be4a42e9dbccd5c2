"""Taps from validators: stored as uploaded (whole batch or nothing), priced by a job.

A tap is known by its validator and the validator's tap id. Ingestion only inserts (``ON
CONFLICT DO NOTHING`` on that pair) and records one outbox message in the same transaction,
so a validator's retry, a late batch days old, or a crash mid-batch neither loses nor doubles
a tap. A known tap id re-sent with other content is not dropped: it is kept as a conflict for
operators (``services.transit.conflicts``) and named in the answer. Pricing verifies each code
for the time of its tap, flags a code already used (on any validator), and writes the trips.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, NamedTuple, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models.transit.trips import Tap, TapConflict, TapState
from services import jobs
from services.identity.devices import DevicePrincipal

MAX_BATCH = 2000
CONTENT = ("code", "line", "vehicle", "stop", "tapped_at", "shown_result")


class Scanned(Protocol):
    """A tap as its validator uploaded it: the API's validated model is taken as it is (a
    batch is thousands of taps; no copy of each), or a ``TapIn``."""

    @property
    def tap_id(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def line(self) -> str: ...
    @property
    def vehicle(self) -> str: ...
    @property
    def stop(self) -> str: ...
    @property
    def tapped_at(self) -> datetime: ...
    @property
    def shown_result(self) -> str: ...


class TapIn(NamedTuple):
    """A tap built by hand (tools, tests)."""

    tap_id: str
    code: str
    line: str
    vehicle: str
    stop: str
    tapped_at: datetime
    shown_result: str


FIELDS = ("tap_id", *CONTENT)
_GETTERS = tuple(attrgetter(name) for name in FIELDS)


def _columns(taps: Sequence[Scanned]) -> list[list[Any]]:
    """The taps' fields as one list per field, in ``FIELDS`` order (read in C, no copy per tap)."""
    return [list(map(get, taps)) for get in _GETTERS]


@dataclass(frozen=True, slots=True)
class Ingested:
    batch: str
    received: int
    new: int
    conflicts: list[str]  # tap ids known with other content: kept for operators, not priced


def batch_id(device: DevicePrincipal, taps: Sequence[Scanned]) -> str:
    """The same upload retried gets the same id, so its pricing job is queued once."""
    digest = hashlib.sha256("\n".join(t.tap_id for t in taps).encode()).hexdigest()[:40]
    return f"{device.code}:{digest}"[:64]


async def ingest(device: DevicePrincipal, taps: Sequence[Scanned], *, now: datetime) -> Ingested:
    """Store a batch atomically; taps received before are left as they are."""
    batch = batch_id(device, taps)
    first: dict[str, Scanned] = {}  # the first tap of each id, in the batch's order
    for t in taps:
        first.setdefault(t.tap_id, t)
    again: list[Scanned] = []  # a tap id repeated within the batch with other content
    if len(first) < len(taps):
        again = [t for t in taps if t != first[t.tap_id]]
    fresh = list(first.values())
    async with in_transaction() as conn:
        if conn.capabilities.dialect == "postgres":
            known = await _insert_postgres(conn, device, batch, fresh, now)
        else:
            known = await _insert_portable(conn, device, batch, fresh, now)
        resent = [t for t in fresh if t.tap_id in known] + again if known else again
        conflicts = await _keep_conflicts(conn, device, batch, resent, now) if resent else []
        if len(known) < len(fresh):
            await jobs.add("transit.taps.price", {"batch": batch}, key=f"transit-taps:{batch}")
    return Ingested(batch, len(taps), len(fresh) - len(known), conflicts)


_COLUMNS = (
    "tap_id, device_id, batch, code, line, vehicle, stop, tapped_at, shown_result, state, "
    "received_at"
)
# One statement for the whole batch: the taps' fields as column arrays (FIELDS' order),
# unnested server-side, what every tap shares as scalars; no per-row model objects, no
# per-row round trip, and the unique index decides what is new. It answers one row: the
# tap ids that were stored before (usually none), not one row per inserted tap.
_UNNEST = (
    "WITH u AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "  # noqa: S608 (constant)
    "$5::text[], $6::timestamptz[], $7::text[]) "
    "AS u(tap_id, code, line, vehicle, stop, tapped_at, shown_result)), "
    f"i AS (INSERT INTO transit_taps ({_COLUMNS}) "
    "SELECT u.tap_id, $8, $9, u.code, u.line, u.vehicle, u.stop, u.tapped_at, u.shown_result, "
    "$10, $11 FROM u ON CONFLICT (device_id, tap_id) DO NOTHING RETURNING tap_id) "
    "SELECT array_agg(tap_id) AS known FROM u WHERE tap_id NOT IN (SELECT tap_id FROM i)"
)


async def _insert_postgres(
    conn: BaseDBAsyncClient, device: DevicePrincipal, batch: str, fresh: list[Scanned],
    now: datetime,
) -> set[str]:  # fmt: skip
    """Insert the taps not stored before; the tap ids that were."""
    params = [*_columns(fresh), device.device_id, batch, TapState.RECEIVED.value, now]
    [row] = await conn.execute_query_dict(_UNNEST, params)
    return set(row["known"] or ())


async def _insert_portable(
    conn: BaseDBAsyncClient, device: DevicePrincipal, batch: str, fresh: list[Scanned],
    now: datetime,
) -> set[str]:  # fmt: skip
    found = (
        await Tap.filter(device_id=device.device_id, tap_id__in=[t.tap_id for t in fresh])
        .using_db(conn)
        .values_list("tap_id", flat=True)
    )
    known = {str(tap_id) for tap_id in found}
    rows = [
        Tap(device_id=device.device_id, batch=batch, state=TapState.RECEIVED, received_at=now,
            **{name: getattr(t, name) for name in FIELDS})
        for t in fresh if t.tap_id not in known
    ]  # fmt: skip
    await Tap.bulk_create(rows, ignore_conflicts=True, using_db=conn)
    return known


def _same(tap: Scanned, stored: dict[str, Any]) -> bool:
    at = stored["tapped_at"]
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return at == tap.tapped_at and all(
        getattr(tap, name) == stored[name] for name in CONTENT if name != "tapped_at"
    )


def content_digest(tap: Scanned) -> str:
    parts = [tap.code, tap.line, tap.vehicle, tap.stop, tap.tapped_at.astimezone(UTC).isoformat(),
             tap.shown_result]  # fmt: skip
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# A retried batch is compared where the rows are: only the differing taps come back.
_DIFFERING = (
    "SELECT u.n, t.id FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "
    "$6::timestamptz[], $7::text[]) WITH ORDINALITY "
    "AS u(tap_id, code, line, vehicle, stop, tapped_at, shown_result, n) "
    "JOIN transit_taps t ON t.device_id = $8 AND t.tap_id = u.tap_id "
    "WHERE (t.code, t.line, t.vehicle, t.stop, t.tapped_at, t.shown_result) IS DISTINCT FROM "
    "(u.code, u.line, u.vehicle, u.stop, u.tapped_at, u.shown_result)"
)


async def _differing(
    conn: BaseDBAsyncClient, device: DevicePrincipal, resent: list[Scanned]
) -> list[tuple[Scanned, int]]:
    """The re-sent taps whose content differs from the stored tap, with its id."""
    if conn.capabilities.dialect == "postgres":
        found = await conn.execute_query_dict(_DIFFERING, [*_columns(resent), device.device_id])
        return [(resent[row["n"] - 1], row["id"]) for row in found]
    stored = {
        row["tap_id"]: row
        for row in await Tap.filter(device_id=device.device_id,
                                    tap_id__in=list({t.tap_id for t in resent}))
        .using_db(conn).values("id", "tap_id", *CONTENT)
    }  # fmt: skip
    return [(t, stored[t.tap_id]["id"]) for t in resent if not _same(t, stored[t.tap_id])]


async def _keep_conflicts(
    conn: BaseDBAsyncClient, device: DevicePrincipal, batch: str, resent: list[Scanned],
    now: datetime,
) -> list[str]:  # fmt: skip
    """Compare re-sent taps with the stored ones; keep each differing content once."""
    differing = await _differing(conn, device, resent)
    rows = [
        TapConflict(original_id=original, device_id=device.device_id,
                    tap_id=t.tap_id, digest=content_digest(t), batch=batch, code=t.code,
                    line=t.line, vehicle=t.vehicle, stop=t.stop, tapped_at=t.tapped_at,
                    shown_result=t.shown_result, received_at=now)
        for t, original in differing
    ]  # fmt: skip
    await TapConflict.bulk_create(rows, ignore_conflicts=True, using_db=conn)
    return sorted({t.tap_id for t, _ in differing})
