"""Demo personas (``palm seed-demo``): residents and staff every service's demo and tests use.

The people come from the simulated world (``integrations.simworld``), which the platform
simulators serve too, so a persona's real name, phone and ID agree everywhere. Idempotent.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from integrations.simworld import PERSONAS, Person, openid_for
from models.devices import Device, DeviceKind
from models.organisations import Organisation, OrganisationKind
from models.residents import Grant, IdType, Resident, Role
from services.privacy import FieldCipher

LOGIN_PERSONAS = (
    "resident", "elder", "talent", "parent", "debtor", "foreigner",
    "librarian", "gatekeeper", "cashier", "doctor", "officer",
)  # fmt: skip

ORGANISATIONS = {
    "weihai-library": (OrganisationKind.MERCHANT, "威海市图书馆", "Weihai City Library"),
    "liugong-island": (OrganisationKind.MERCHANT, "刘公岛景区", "Liugong Island Scenic Area"),
    "weihai-municipal-hospital": (
        OrganisationKind.HOSPITAL,
        "威海市立医院",
        "Weihai Municipal Hospital",
    ),
    "weihai-service-office": (
        OrganisationKind.OFFICE,
        "威海市政务服务管理办公室",
        "Weihai Government Service Office",
    ),
}

# persona → (role, organisation code, scopes)
GRANTS: dict[str, tuple[Role, str, str]] = {
    "librarian": (Role.MERCHANT_STAFF, "weihai-library", ""),
    "gatekeeper": (Role.MERCHANT_STAFF, "liugong-island", ""),
    "cashier": (Role.MERCHANT_STAFF, "weihai-municipal-hospital", ""),
    "doctor": (Role.CLINICIAN, "weihai-municipal-hospital", ""),
    "officer": (Role.OPERATOR, "weihai-service-office", "talent,transit,credit,health"),
}

DEVICES = {"bus-101": DeviceKind.BUS_VALIDATOR}


async def seed(cipher: FieldCipher, wechat_app_id: str) -> None:
    """Create or refresh the demo organisations, personas, grants and devices."""
    async with in_transaction():
        orgs = {}
        for code, (kind, name_zh, name_en) in ORGANISATIONS.items():
            orgs[code], _ = await Organisation.update_or_create(
                code=code, defaults={"kind": kind, "name_zh": name_zh, "name_en": name_en}
            )
        for key in LOGIN_PERSONAS:
            resident = await _resident(cipher, PERSONAS[key], openid_for(wechat_app_id, key))
            if key in GRANTS:
                role, org_code, scopes = GRANTS[key]
                await Grant.update_or_create(
                    resident=resident,
                    role=role,
                    organisation=orgs[org_code],
                    defaults={"scopes": scopes},
                )
        for code, device_kind in DEVICES.items():
            await Device.get_or_create(code=code, defaults={"kind": device_kind})


async def _resident(cipher: FieldCipher, person: Person, openid: str) -> Resident:
    id_hash = cipher.lookup_hash(person.id_number, field="id_number")
    resident = await Resident.get_or_none(openid=openid)
    if resident is None:
        resident = Resident(openid=openid)
    resident.name_enc = cipher.encrypt(person.name, field="name")
    resident.id_type = IdType(person.id_type)
    resident.id_number_enc = cipher.encrypt(person.id_number, field="id_number")
    resident.id_number_hash = id_hash
    resident.birth_date = person.birth_date
    resident.sex = person.sex
    resident.nationality = person.nationality
    if person.phone:
        resident.phone_enc = cipher.encrypt(person.phone, field="phone")
        resident.phone_hash = cipher.lookup_hash(person.phone, field="phone")
    resident.verified_at = resident.verified_at or datetime.now(UTC)
    await resident.save()
    return resident
