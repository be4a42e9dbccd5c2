"""Whose talent card a resident's request is about: their own, or a family member's.

With a ``talent`` delegation a relative may follow the member's card (state, validity,
benefits left, redemption history) and report it lost; its live code stays with the holder
(``handlers.talent.card``): a code admits its holder in person, and a relative's own benefits
come with a family sub-card.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from models.identity.residents import Resident
from services.identity import delegations
from services.privacy import FieldCipher
from services.talent import errors


async def holder_id(
    actor: Resident, member: str, *, cipher: FieldCipher, now: datetime
) -> uuid.UUID:
    """The resident whose card ``member`` ("self" or a talent-scope delegation id) names."""
    if member == "self":
        return actor.id
    subject = await delegations.subject_for(actor, member, "talent", cipher=cipher, now=now)
    if subject.resident_id is None:  # no account of their own (a child): no card either
        raise errors.card_not_found()
    return subject.resident_id
