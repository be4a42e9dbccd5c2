"""Demo scenes and the merchants bound to them (idempotent; operators' later edits are kept)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from models.credit.scenes import CreditScene, CreditSceneMerchant, Rating, SceneKind
from models.identity.organisations import Organisation, OrganisationKind
from services.credit.scenes import Policy
from services.privacy import FieldCipher

MERCHANTS = {
    "weihai-seaview-hotel": ("威海海景酒店", "Weihai Seaview Hotel"),
    "weihai-talent-apartment": ("威海人才公寓", "Weihai Talent Apartments"),
}

SCENES: dict[str, Policy] = {
    "library": Policy(
        SceneKind.LIBRARY, "图书借阅", "Library borrowing", 10_000, Rating.B, 30_000, 60
    ),
    "talent-apartment": Policy(
        SceneKind.TALENT_APARTMENT,
        "人才公寓入住",
        "Talent apartment check-in",
        300_000,
        Rating.A,
        300_000,
        365,
    ),
    "hotel": Policy(SceneKind.HOTEL, "酒店住宿", "Hotel stay", 50_000, Rating.A, 100_000, 30),
    "rental": Policy(SceneKind.RENTAL, "房屋租赁", "Home rental", 500_000, Rating.A, 500_000, 365),
    "renovation": Policy(
        SceneKind.RENOVATION, "装修押金", "Renovation deposit", 300_000, Rating.A, 300_000, 180
    ),
    "hospital-admission": Policy(
        SceneKind.HOSPITAL,
        "住院押金",
        "Hospital admission",
        100_000,
        Rating.B,
        100_000,
        30,
        bill_free_days=10,
    ),
}

BINDINGS = {
    "library": "weihai-library",
    "talent-apartment": "weihai-talent-apartment",
    "hotel": "weihai-seaview-hotel",
    "hospital-admission": "weihai-municipal-hospital",
}


async def seed(cipher: FieldCipher, now: datetime) -> None:
    """Create the credit scenes, the hotel and talent-apartment merchants, and bind them."""
    for code, (name_zh, name_en) in MERCHANTS.items():
        await Organisation.update_or_create(
            code=code,
            defaults={"kind": OrganisationKind.MERCHANT, "name_zh": name_zh, "name_en": name_en},
        )
    for code, policy in SCENES.items():
        await CreditScene.get_or_create(code=code, defaults=asdict(policy))
    for scene_code, org_code in BINDINGS.items():
        scene = await CreditScene.get(code=scene_code)
        organisation = await Organisation.get(code=org_code)
        await CreditSceneMerchant.get_or_create(scene=scene, organisation=organisation)
