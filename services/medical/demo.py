"""Demo data for medical records: the platform's hospitals as organisations.

The records themselves live in the health platform's simulator (``integrations.health``).
"""

from __future__ import annotations

from datetime import datetime

from integrations.health.sim.data import HOSPITALS
from models.identity.organisations import Organisation, OrganisationKind
from services.privacy import FieldCipher


async def seed(cipher: FieldCipher, now: datetime) -> None:
    """Every hospital of the platform, so clinicians can be bound to any of them (idempotent)."""
    for code, (name_zh, name_en) in HOSPITALS.items():
        await Organisation.get_or_create(
            code=code,
            defaults={"kind": OrganisationKind.HOSPITAL, "name_zh": name_zh, "name_en": name_en},
        )
