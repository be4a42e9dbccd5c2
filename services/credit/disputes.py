"""Disputes of defaults: the resident objects, the credit office decides.

While a dispute is pending nothing is reported; a dispute may also be raised after a report
(an objection to the record), and winning it then sends a repair.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from tortoise.transactions import in_transaction

from models.credit.waivers import (
    CreditDefault,
    CreditDispute,
    CreditWaiver,
    DefaultStatus,
    DisputeStatus,
    EventKind,
)
from services.credit import events
from services.credit.defaults import of_waiver, resolve
from services.errors import Conflict, NotFound

DISPUTABLE = (DefaultStatus.OPEN, DefaultStatus.UNRESOLVED)
_RELATED = ("default__waiver__merchant", "default__waiver__scene", "default__account__resident")


async def dispute(
    waiver: CreditWaiver, reason: str, *, resident_id: uuid.UUID, now: datetime
) -> CreditDispute:
    """The resident disputes the default; a pending dispute holds back the report."""
    default = await of_waiver(waiver.id)
    async with in_transaction():
        if not await CreditDefault.filter(id=default.id, status__in=DISPUTABLE).update(
            status=DefaultStatus.DISPUTED
        ):
            raise Conflict(
                "default_not_disputable",
                "该违约已在处理中或已解决。",
                "This default is already disputed or resolved.",
            )
        row = await CreditDispute.create(default=default, reason=reason, created_at=now)
        await events.record(waiver.id, EventKind.DISPUTED, at=now, actor=resident_id, note=reason)
    return row


async def decide(
    dispute_id: uuid.UUID, *, upheld: bool, note: str, operator_id: uuid.UUID, now: datetime
) -> CreditDispute:
    """The credit office decides: upheld resolves the default; rejected lets it stand."""
    status = DisputeStatus.UPHELD if upheld else DisputeStatus.REJECTED
    async with in_transaction():
        changed = await CreditDispute.filter(id=dispute_id, status=DisputeStatus.PENDING).update(
            status=status, decided_at=now, decided_by=operator_id, decision_note=note
        )
        row = await CreditDispute.get_or_none(id=dispute_id).prefetch_related("default")
        if row is None:
            raise NotFound("dispute_not_found", "找不到该异议。", "No such dispute.")
        if not changed:
            raise Conflict("dispute_decided", "该异议已处理。", "This dispute was already decided.")
        default = row.default
        if upheld:
            await resolve(default, "dispute_upheld", actor=operator_id, now=now, note=note)
        else:
            # Back where it was: reported defaults stay reported; others finish their window.
            back = DefaultStatus.UNRESOLVED if default.report_queued_at else DefaultStatus.OPEN
            await CreditDefault.filter(id=default.id).update(status=back)
            waiver_id: uuid.UUID = default.waiver_id  # type: ignore[attr-defined]
            await events.record(
                waiver_id, EventKind.DISPUTE_REJECTED, at=now, actor=operator_id, note=note
            )
    return row


async def get(dispute_id: uuid.UUID) -> CreditDispute:
    row = await CreditDispute.get_or_none(id=dispute_id).prefetch_related(*_RELATED)
    if row is None:
        raise NotFound("dispute_not_found", "找不到该异议。", "No such dispute.")
    return row
