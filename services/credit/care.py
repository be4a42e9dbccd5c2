"""信用就医: admission without a deposit, a bill settled at discharge and paid within days."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from models.credit.waivers import BillStatus, CareBill, CreditWaiver, EventKind, WaiverStatus
from services.credit import errors, events, notices

MAX_BILL_FEN = 10_000_000  # 100,000 yuan: anything above is a typing mistake at the desk


async def open_bill(waiver: CreditWaiver, *, now: datetime) -> CareBill:
    """Admission: the bill exists from the start, its amount known only at discharge."""
    bill = await CareBill.create(waiver=waiver, opened_at=now)
    await events.record(waiver, EventKind.BILL_OPENED, at=now)
    return bill


async def settle(
    waiver: CreditWaiver, amount_fen: int, *, staff_id: uuid.UUID, now: datetime
) -> CareBill:
    """Discharge: the amount is known; it is due after the scene's interest-free days."""
    if not 0 < amount_fen <= MAX_BILL_FEN:
        raise errors.bill_amount_invalid()
    if waiver.status != WaiverStatus.ACTIVE:
        raise errors.no_open_bill()
    await waiver.fetch_related("scene", "merchant", "account")
    due = now + timedelta(days=waiver.scene.bill_free_days)
    async with in_transaction():
        changed = await CareBill.filter(waiver_id=waiver.id, status=BillStatus.OPEN).update(
            status=BillStatus.DUE, amount_fen=amount_fen, settled_at=now, due_at=due
        )
        if not changed:
            raise errors.no_open_bill()
        await events.record(
            waiver, EventKind.BILL_SETTLED, at=now, amount_fen=amount_fen, actor=staff_id
        )
        holder: uuid.UUID = waiver.account.resident_id  # type: ignore[attr-defined]
        await notices.bill_due(holder, waiver.id, waiver.merchant.name_zh, amount_fen, due)
    return await CareBill.get(waiver_id=waiver.id)


async def paid(waiver: CreditWaiver, *, actor: uuid.UUID | None, now: datetime) -> bool:
    """The bill was paid: the waiver closes. False when there was no bill due."""
    async with in_transaction():
        changed = await CareBill.filter(waiver_id=waiver.id, status=BillStatus.DUE).update(
            status=BillStatus.PAID, paid_at=now
        )
        if not changed:
            return False
        bill = await CareBill.get(waiver_id=waiver.id)
        await CreditWaiver.filter(id=waiver.id, status=WaiverStatus.ACTIVE).update(
            status=WaiverStatus.CLOSED, closed_at=now
        )
        await events.record(
            waiver, EventKind.BILL_PAID, at=now, amount_fen=bill.amount_fen, actor=actor
        )
    return True
