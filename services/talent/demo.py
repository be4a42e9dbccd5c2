"""Demo data for the talent card: the default tier rules and a benefits catalogue (idempotent)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from models.identity.organisations import Organisation
from models.talent.benefits import QuotaPeriod, TalentBenefit
from services.privacy import FieldCipher
from services.talent import rules

# code → merchant, Chinese and English names, tiers, quota, period, family sub-cards too
BENEFITS: dict[str, tuple[str, str, str, str, int | None, QuotaPeriod, bool]] = {
    "liugong-island-entry": ("liugong-island", "刘公岛景区免费游览", "Free entry to Liugong Island",
                             "gold,silver", 4, QuotaPeriod.YEAR, True),
    "liugong-island-guide": ("liugong-island", "刘公岛讲解服务", "Guided tour of Liugong Island",
                             "gold", 2, QuotaPeriod.YEAR, False),
    "hospital-green-channel": ("weihai-municipal-hospital", "就医绿色通道",
                               "Hospital green channel", "gold", None, QuotaPeriod.YEAR,
                               True),
    "library-talent-borrowing": ("weihai-library", "英才借阅服务", "Talent borrowing service",
                                 "gold,silver,standard", 10, QuotaPeriod.MONTH, False),
}  # fmt: skip
ACTIVE_FROM = date(2025, 1, 1)


async def seed(cipher: FieldCipher, now: datetime) -> None:
    """Create the default rules and the demo benefits where missing; edits are kept."""
    await rules.ensure_defaults()
    for code, (merchant, zh, en, tiers, quota, period, family) in BENEFITS.items():
        organisation = await Organisation.get_or_none(code=merchant)
        if organisation is None:
            continue
        defaults: dict[str, Any] = {
            "name_zh": zh, "name_en": en, "merchant": organisation, "tiers": tiers,
            "quota": quota, "period": period, "family_eligible": family,
            "active_from": ACTIVE_FROM,
        }  # fmt: skip
        await TalentBenefit.get_or_create(code=code, defaults=defaults)
