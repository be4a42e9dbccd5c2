"""Defaults: a merchant's claim, the resident's window to pay or dispute, the office's decision.

A default that is neither paid nor disputed when its window ends is reported to the credit
platform (``reports``) and blocks further waivers; paying it or winning a dispute resolves it
and, if it was reported, sends a repair.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from models.credit.waivers import (
    BillStatus,
    CareBill,
    CreditDefault,
    CreditDispute,
    CreditWaiver,
    DefaultStatus,
    DisputeStatus,
    EventKind,
    WaiverStatus,
)
from services import jobs
from services.credit import errors, events, notices


async def record(
    waiver: CreditWaiver, amount_fen: int, evidence: str, *, staff_id: uuid.UUID, now: datetime
) -> CreditDefault:
    """The merchant claims a loss; the resident is told and has the scene's window to answer."""
    await waiver.fetch_related("scene", "merchant", "account")
    bill = await CareBill.get_or_none(waiver_id=waiver.id, status=BillStatus.DUE)
    cap = bill.amount_fen if bill is not None and bill.amount_fen else waiver.amount_fen
    if not 0 < amount_fen <= cap:
        raise errors.default_amount_invalid()
    until = now + timedelta(days=waiver.scene.dispute_window_days)
    async with in_transaction():
        if not await CreditWaiver.filter(id=waiver.id, status=WaiverStatus.ACTIVE).update(
            status=WaiverStatus.DEFAULTED
        ):
            raise errors.waiver_not_active()
        default = await CreditDefault.create(
            waiver=waiver,
            account=waiver.account,
            amount_fen=amount_fen,
            evidence=evidence,
            window_ends_at=until,
            created_at=now,
        )
        await events.record(
            waiver,
            EventKind.DEFAULTED,
            at=now,
            amount_fen=amount_fen,
            actor=staff_id,
            note=evidence,
        )
        holder: uuid.UUID = waiver.account.resident_id  # type: ignore[attr-defined]
        await notices.default_recorded(
            holder, waiver.id, waiver.merchant.name_zh, amount_fen, until
        )
    return default


async def of_waiver(waiver_id: uuid.UUID) -> CreditDefault:
    default = await CreditDefault.get_or_none(waiver_id=waiver_id)
    if default is None:
        raise errors.default_not_found()
    return default


async def resolve(
    default: CreditDefault,
    resolution: str,
    *,
    actor: uuid.UUID | None,
    now: datetime,
    note: str | None = None,
) -> bool:
    """Paid or dispute upheld: the waiver closes and a reported default is repaired.

    Call inside a transaction. False when the default was already resolved.
    """
    if (
        not await CreditDefault.filter(id=default.id)
        .exclude(status=DefaultStatus.RESOLVED)
        .update(status=DefaultStatus.RESOLVED, resolution=resolution, resolved_at=now)
    ):
        return False
    default = await CreditDefault.get(id=default.id)  # fresh: the report may have been queued
    waiver_id: uuid.UUID = default.waiver_id  # type: ignore[attr-defined]
    await CreditWaiver.filter(id=waiver_id).update(status=WaiverStatus.CLOSED, closed_at=now)
    await CreditDispute.filter(default_id=default.id, status=DisputeStatus.PENDING).update(
        status=DisputeStatus.WITHDRAWN, decided_at=now
    )
    kind = EventKind.PAID if resolution == "paid" else EventKind.DISPUTE_UPHELD
    await events.record(
        waiver_id, kind, at=now, amount_fen=default.amount_fen, actor=actor, note=note
    )
    if default.report_queued_at is not None:
        await jobs.add(
            "credit.repair", {"default_id": str(default.id)}, key=f"credit-repair:{default.id}"
        )
        await events.record(waiver_id, EventKind.REPAIR_QUEUED, at=now)
    return True
