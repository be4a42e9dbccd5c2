"""Who is writing: the chat's openid is the mini-program's, so it names a resident directly."""

from __future__ import annotations

from models.identity.residents import Resident, ResidentStatus
from services.privacy import FieldCipher


async def resident_for_openid(openid: str) -> Resident | None:
    """The active resident signed in with ``openid``; None for a stranger or a closed account."""
    return await Resident.get_or_none(openid=openid, status=ResidentStatus.ACTIVE)


def phone_of(resident: Resident, cipher: FieldCipher) -> str | None:
    """The resident's bound phone number, for a 12345 call-back they agreed to."""
    return cipher.decrypt(resident.phone_enc, field="phone") if resident.phone_enc else None
