"""Whose credit a resident's request is about: their own, or a family member's they act for.

A waiver rests on its holder's own credit standing and account, so a relative acts on the
member's account (a child shows an elderly parent's code at the hospital desk, then pays the
bill); a member with no account of their own (a young child) has no credit to act on.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from models.identity.residents import Resident, ResidentStatus
from services.credit import errors
from services.identity import delegations, residents
from services.privacy import FieldCipher


async def resolve(
    actor_id: uuid.UUID, member: str, *, cipher: FieldCipher, now: datetime
) -> tuple[Resident, Resident]:
    """(the caller, the resident whose credit ``member`` names)."""
    actor = await residents.get_active(actor_id)
    return actor, await holder_for(actor, member, cipher=cipher, now=now)


async def holder_for(
    actor: Resident, member: str, *, cipher: FieldCipher, now: datetime
) -> Resident:
    """The resident whose waivers ``member`` ("self" or a credit-scope delegation id) names.

    Anything the actor may not act for is 404 ``member_not_found`` (``subject_for``).
    """
    if member == "self":
        return actor
    subject = await delegations.subject_for(actor, member, "credit", cipher=cipher, now=now)
    holder = None
    if subject.resident_id is not None:
        holder = await Resident.get_or_none(id=subject.resident_id, status=ResidentStatus.ACTIVE)
    if holder is None:
        raise errors.member_no_account()
    return holder
