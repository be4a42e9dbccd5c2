"""The history of a waiver: events are appended, never changed."""

from __future__ import annotations

import uuid
from datetime import datetime

from models.credit.waivers import CreditWaiver, CreditWaiverEvent, EventKind


async def record(
    waiver: CreditWaiver | uuid.UUID,
    kind: EventKind,
    *,
    at: datetime,
    amount_fen: int | None = None,
    actor: uuid.UUID | None = None,
    note: str | None = None,
) -> CreditWaiverEvent:
    """Append one event (inside the caller's transaction, with the change it records)."""
    waiver_id = waiver.id if isinstance(waiver, CreditWaiver) else waiver
    return await CreditWaiverEvent.create(
        waiver_id=waiver_id, kind=kind, at=at, amount_fen=amount_fen, actor=actor, note=note
    )


async def of(waiver_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[CreditWaiverEvent]]:
    """Each waiver's events in order, in one query."""
    found: dict[uuid.UUID, list[CreditWaiverEvent]] = {wid: [] for wid in waiver_ids}
    if not waiver_ids:
        return found
    for event in await CreditWaiverEvent.filter(waiver_id__in=waiver_ids).order_by("id"):
        found[event.waiver_id].append(event)  # type: ignore[attr-defined]
    return found
