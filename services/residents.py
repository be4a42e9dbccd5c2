"""Residents: look-up and the masked view of their personal fields."""

from __future__ import annotations

import uuid
from typing import Any

from models.residents import Resident, ResidentStatus
from services.errors import Unauthenticated
from services.privacy import FieldCipher, mask_name, mask_phone


async def get_active(resident_id: uuid.UUID) -> Resident:
    resident = await Resident.get_or_none(id=resident_id, status=ResidentStatus.ACTIVE)
    if resident is None:
        raise Unauthenticated(
            "session_invalid", "登录已失效，请重新登录。", "Your session has ended; sign in again."
        )
    return resident


def profile_view(resident: Resident, cipher: FieldCipher) -> dict[str, Any]:
    """The resident's own fields, masked for display."""
    name = cipher.decrypt(resident.name_enc, field="name") if resident.name_enc else None
    phone = cipher.decrypt(resident.phone_enc, field="phone") if resident.phone_enc else None
    return {
        "id": str(resident.id),
        "name": mask_name(name) if name else None,
        "phone": mask_phone(phone) if phone else None,
        "verified": resident.verified_at is not None,
        "verified_at": resident.verified_at,
    }
