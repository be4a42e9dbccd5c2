"""Taps re-sent with a known tap id and other content: listed for operators, then resolved.

Accepting one makes it a tap of its own (a new id the validator cannot send), priced by the
same job as any batch, so a real ride is charged once and a code already used is still
flagged as a duplicate; dismissing one records the operator's decision and charges nothing.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models.transit.trips import ConflictStatus, Tap, TapConflict, TapState
from services import jobs
from services.transit import errors
from services.transit.listing import Listing, Row, given, within_days


def _query(
    *, since: date | None = None, until: date | None = None,
    status: ConflictStatus | None = None, line: str | None = None, device: str | None = None,
) -> QuerySet[TapConflict]:  # fmt: skip
    return TapConflict.filter(
        within_days("received_at", since, until),
        **given(status=status, line=line, device__code=device),
    ).select_related("device", "original")


def _row(c: TapConflict) -> Row:
    original = c.original
    return {
        "id": c.id, "status": c.status, "device": c.device.code, "tap_id": c.tap_id,
        "line": c.line, "vehicle": c.vehicle, "stop": c.stop, "tapped_at": c.tapped_at,
        "shown_result": c.shown_result, "received_at": c.received_at,
        "original_line": original.line, "original_vehicle": original.vehicle,
        "original_stop": original.stop, "original_tapped_at": original.tapped_at,
        "original_state": original.state, "resolved_at": c.resolved_at,
        "accepted_tap": c.accepted_as_id,  # type: ignore[attr-defined]
    }  # fmt: skip


CONFLICTS = Listing(_query, "received_at", (
    "id", "status", "device", "tap_id", "line", "vehicle", "stop", "tapped_at", "shown_result",
    "received_at", "original_line", "original_vehicle", "original_stop", "original_tapped_at",
    "original_state", "resolved_at", "accepted_tap",
), _row)  # fmt: skip


async def resolve(
    conflict_id: int, action: Literal["accept", "dismiss"], *, operator: uuid.UUID,
    now: datetime,
) -> TapConflict:  # fmt: skip
    """Accept the re-sent tap as a ride of its own, or dismiss it; once."""
    async with in_transaction():
        row = await TapConflict.filter(id=conflict_id).select_for_update().get_or_none()
        if row is None:
            raise errors.tap_conflict_not_found()
        if row.status != ConflictStatus.OPEN:
            raise errors.tap_conflict_resolved()
        if action == "accept":
            batch = f"conflict:{row.id}"
            tap = await Tap.create(
                tap_id=f"#conflict-{row.id}", device_id=row.device_id,  # type: ignore[attr-defined]
                batch=batch, code=row.code, line=row.line, vehicle=row.vehicle, stop=row.stop,
                tapped_at=row.tapped_at, shown_result=row.shown_result,
                state=TapState.RECEIVED, received_at=now,
            )  # fmt: skip
            row.accepted_as = tap
            await jobs.add("transit.taps.price", {"batch": batch}, key=f"transit-taps:{batch}")
        row.status = ConflictStatus.ACCEPTED if action == "accept" else ConflictStatus.DISMISSED
        row.resolved_at, row.resolved_by = now, operator
        await row.save()
    return row
