"""Demo personas (``palm seed-demo``): residents and staff every service's demo and tests use.

The people come from the simulated world (``integrations.simworld``), which the platform
simulators serve too, so a persona's real name, phone and ID agree everywhere. Idempotent.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from tortoise.transactions import in_transaction

from integrations.simworld import PEOPLE, Person, openid_for
from models.identity.delegations import Delegation, DelegationBasis, DelegationStatus, Relation
from models.identity.devices import Device, DeviceKind
from models.identity.organisations import Organisation, OrganisationKind
from models.identity.residents import Grant, IdType, Resident, Role
from services.codes import store
from services.identity import devices
from services.identity.realname import id_number_hash
from services.privacy import FieldCipher

LOGIN_PERSONAS = (
    "resident", "elder", "talent", "parent", "debtor", "foreigner",
    "librarian", "gatekeeper", "cashier", "doctor", "officer",
    "parent_mother",  # not a persona of her own, but she confirms her delegation in WeChat
)  # fmt: skip

# delegate → (subject, relation, basis); the child is a minor with no account of her own
DELEGATIONS = (
    ("parent", "parent_child", Relation.CHILD, DelegationBasis.HOUSEHOLD_REGISTER),
    ("parent", "parent_mother", Relation.PARENT, DelegationBasis.SUBJECT_CONFIRMED),
)

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
    "officer": (Role.OPERATOR, "weihai-service-office", "grants,talent,transit,credit,health"),
}

DEVICES = {"bus-101": DeviceKind.BUS_VALIDATOR}


async def seed(cipher: FieldCipher, wechat_app_id: str, data_dir: Path) -> None:
    """Create or refresh the demo organisations, personas, grants and devices.

    A demo device without a key gets one; its private key is written to
    ``<data_dir>/devices/<code>.pem`` (owner-only) for the validator simulator and tests.
    """
    async with in_transaction():
        orgs = {}
        for code, (kind, name_zh, name_en) in ORGANISATIONS.items():
            orgs[code], _ = await Organisation.update_or_create(
                code=code, defaults={"kind": kind, "name_zh": name_zh, "name_en": name_en}
            )
        residents = {}
        for key in LOGIN_PERSONAS:
            resident = await _resident(cipher, PEOPLE[key], openid_for(wechat_app_id, key))
            residents[key] = resident
            if key in GRANTS:
                role, org_code, scopes = GRANTS[key]
                await Grant.update_or_create(
                    resident=resident,
                    role=role,
                    organisation=orgs[org_code],
                    defaults={"scopes": scopes},
                )
        for delegate, subject, relation, basis in DELEGATIONS:
            await _delegation(cipher, residents[delegate], PEOPLE[subject], residents.get(subject),
                              relation, basis)  # fmt: skip
        if not await store.list_keys():  # development only: production runs `palm keys generate`
            await store.generate_key(cipher)
        for seed_service in _service_seeders():
            await seed_service(cipher, datetime.now(UTC))
        for code, device_kind in DEVICES.items():
            device, _ = await Device.get_or_create(code=code, defaults={"kind": device_kind})
            key_file = device_key_path(data_dir, code)
            if device.public_key is None or not key_file.exists():
                device.public_key = _write_device_key(key_file)
                await device.save(update_fields=["public_key"])


async def _resident(cipher: FieldCipher, person: Person, openid: str) -> Resident:
    id_hash = id_number_hash(cipher, person.id_type, person.id_number)
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


def _service_seeders() -> list[Callable[[FieldCipher, datetime], Awaitable[None]]]:
    """Each service package may ship ``demo.py`` with ``async def seed(cipher, now)``."""
    import services

    seeders = []
    for info in sorted(pkgutil.iter_modules(services.__path__), key=lambda i: i.name):
        if info.ispkg and importlib.util.find_spec(f"services.{info.name}.demo"):
            seeders.append(importlib.import_module(f"services.{info.name}.demo").seed)
    return seeders


async def _delegation(
    cipher: FieldCipher,
    delegate: Resident,
    subject: Person,
    subject_resident: Resident | None,
    relation: Relation,
    basis: DelegationBasis,
) -> None:
    now = datetime.now(UTC)
    born = subject.birth_date
    expires = (
        datetime(born.year + 18, born.month, born.day, tzinfo=UTC)
        if relation == Relation.CHILD
        else now + timedelta(days=365)
    )
    await Delegation.get_or_create(
        delegate=delegate,
        subject_id_hash=id_number_hash(cipher, subject.id_type, subject.id_number),
        defaults={
            "subject_resident": subject_resident,
            "subject_name_enc": cipher.encrypt(subject.name, field="name"),
            "subject_id_number_enc": cipher.encrypt(subject.id_number, field="id_number"),
            "subject_birth_date": born,
            "relation": relation,
            "scopes": "credit,medical,talent,transit",
            "status": DelegationStatus.ACTIVE,
            "basis": basis,
            "confirmed_at": now,
            "expires_at": expires,
        },
    )


def _write_device_key(path: Path) -> str:
    private, public_pem = devices.generate_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.touch(mode=0o600)
    path.write_bytes(pem)
    return public_pem


def device_key_path(data_dir: Path, code: str) -> Path:
    return data_dir / "devices" / f"{code}.pem"
