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
    DefaultStatus,
    DisputeStatus,
    EventKind,
)
from services.credit import errors, events, office, queries, waivers
from services.credit.defaults import of_waiver, resolve
from services.credit.queries import WaiverView
from services.deps import Deps

DISPUTABLE = (DefaultStatus.OPEN, DefaultStatus.UNRESOLVED)


async def dispute(
    deps: Deps, actor_id: uuid.UUID, member: str, waiver_id: uuid.UUID, reason: str, *,
    now: datetime,
) -> WaiverView:  # fmt: skip
    """The member's default is disputed (by them or family acting for them); a pending
    dispute holds back the report. The waiver as its holder now sees it."""
    held = await waivers.of_member(actor_id, member, waiver_id, cipher=deps.cipher, now=now)
    default = await of_waiver(held.waiver.id)
    async with in_transaction():
        if not await CreditDefault.filter(id=default.id, status__in=DISPUTABLE).update(
            status=DefaultStatus.DISPUTED
        ):
            raise errors.default_not_disputable()
        await CreditDispute.create(default=default, reason=reason, created_at=now)
        await events.record(
            held.waiver.id, EventKind.DISPUTED, at=now, actor=held.actor.id, note=reason
        )
    (view,) = await queries.of_resident(held.holder.id, waiver_id=held.waiver.id)
    return view


async def decide(
    deps: Deps, dispute_id: uuid.UUID, *, upheld: bool, note: str, operator_id: uuid.UUID,
    now: datetime,
) -> office.DisputeCase:  # fmt: skip
    """The credit office decides: upheld resolves the default; rejected lets it stand."""
    status = DisputeStatus.UPHELD if upheld else DisputeStatus.REJECTED
    async with in_transaction():
        changed = await CreditDispute.filter(id=dispute_id, status=DisputeStatus.PENDING).update(
            status=status, decided_at=now, decided_by=operator_id, decision_note=note
        )
        row = await CreditDispute.get_or_none(id=dispute_id).prefetch_related("default")
        if row is None:
            raise errors.dispute_not_found()
        if not changed:
            raise errors.dispute_decided()
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
    return await office.dispute(dispute_id, deps.cipher)
