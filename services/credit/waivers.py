"""A waiver after the grant: found by its merchant or its holder, released, paid at the desk."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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
from models.identity.residents import Resident
from services.credit import care, defaults, errors, events, members
from services.privacy import FieldCipher


@dataclass(frozen=True, slots=True)
class Held:
    """A waiver a resident asks about: theirs, or a family member's they act for."""

    actor: Resident  # who asks (and pays)
    holder: Resident  # whose credit the waiver rests on
    waiver: CreditWaiver


async def of_merchant(merchant: Organisation, waiver_id: uuid.UUID) -> CreditWaiver:
    """A waiver this merchant granted; anyone else's is simply not found."""
    waiver = await CreditWaiver.get_or_none(id=waiver_id, merchant=merchant)
    if waiver is None:
        raise errors.waiver_not_found()
    return waiver


async def of_resident(resident_id: uuid.UUID, waiver_id: uuid.UUID) -> CreditWaiver:
    """A waiver the resident holds; anyone else's is simply not found."""
    waiver = await CreditWaiver.get_or_none(id=waiver_id, account__resident_id=resident_id)
    if waiver is None:
        raise errors.waiver_not_found()
    return waiver


async def of_member(
    actor_id: uuid.UUID, member: str, waiver_id: uuid.UUID, *, cipher: FieldCipher, now: datetime
) -> Held:
    """The waiver ``member`` ("self" or a credit-scope delegation id) holds, and who asks."""
    actor, holder = await members.resolve(actor_id, member, cipher=cipher, now=now)
    return Held(actor, holder, await of_resident(holder.id, waiver_id))


async def release(waiver: CreditWaiver, *, staff_id: uuid.UUID, now: datetime) -> None:
    """The item came back (book returned, guest checked out): the waiver closes."""
    async with in_transaction():
        if not await CreditWaiver.filter(id=waiver.id, status=WaiverStatus.ACTIVE).update(
            status=WaiverStatus.CLOSED, closed_at=now
        ):
            raise errors.waiver_not_active()
        if await CareBill.exists(waiver_id=waiver.id, status=BillStatus.DUE):
            raise errors.bill_unpaid()
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
    raise errors.nothing_owed()
