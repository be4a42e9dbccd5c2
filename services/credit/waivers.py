"""A waiver after the grant: found by its merchant or its holder, released, paid at the desk."""

from __future__ import annotations

import uuid
from datetime import datetime

from tortoise.transactions import in_transaction

from models.credit.waivers import (
    BillStatus,
    CareBill,
    CreditDefault,
    CreditWaiver,
    DefaultStatus,
    EventKind,
    WaiverStatus,
)
from models.identity.organisations import Organisation
from services.credit import care, defaults, events
from services.errors import Conflict, NotFound


def _not_found() -> NotFound:
    return NotFound("waiver_not_found", "找不到该免押记录。", "No such waiver.")


async def of_merchant(merchant: Organisation, waiver_id: uuid.UUID) -> CreditWaiver:
    """A waiver this merchant granted; anyone else's is simply not found."""
    waiver = await CreditWaiver.get_or_none(id=waiver_id, merchant=merchant)
    if waiver is None:
        raise _not_found()
    return waiver


async def of_resident(resident_id: uuid.UUID, waiver_id: uuid.UUID) -> CreditWaiver:
    """A waiver the resident holds; anyone else's is simply not found."""
    waiver = await CreditWaiver.get_or_none(id=waiver_id, account__resident_id=resident_id)
    if waiver is None:
        raise _not_found()
    return waiver


async def release(waiver: CreditWaiver, *, staff_id: uuid.UUID, now: datetime) -> None:
    """The item came back (book returned, guest checked out): the waiver closes."""
    async with in_transaction():
        if not await CreditWaiver.filter(id=waiver.id, status=WaiverStatus.ACTIVE).update(
            status=WaiverStatus.CLOSED, closed_at=now
        ):
            raise Conflict(
                "waiver_not_active",
                "该免押记录已结束或已登记违约。",
                "This waiver is closed or in default.",
            )
        if await CareBill.exists(waiver_id=waiver.id, status=BillStatus.DUE):
            raise Conflict(
                "bill_unpaid",
                "账单尚未支付，不能结束免押。",
                "The bill is unpaid; record its payment instead.",
            )
        await events.record(waiver, EventKind.RELEASED, at=now, actor=staff_id)


async def paid_at_counter(waiver: CreditWaiver, *, staff_id: uuid.UUID, now: datetime) -> None:
    """The resident paid what they owed at the merchant's desk: a default or a care bill."""
    default = await CreditDefault.get_or_none(waiver_id=waiver.id)
    if default is not None and default.status != DefaultStatus.RESOLVED:
        async with in_transaction():
            if await defaults.resolve(default, "paid", actor=staff_id, now=now, note="counter"):
                return
    elif await care.paid(waiver, actor=staff_id, now=now):
        return
    raise Conflict("nothing_owed", "该记录没有待支付的金额。", "Nothing is owed on this waiver.")
