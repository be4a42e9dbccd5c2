"""Real-name verification and phone binding: the facts every other service builds on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol

from tortoise.exceptions import IntegrityError

from integrations.aishandong.models import IdentityResult
from integrations.base import IdType as PlatformIdType
from integrations.wechat.client import WeChatError
from integrations.wechat.crypto import EncryptedDataError, decrypt_phone_number
from integrations.wechat.models import PhoneInfo
from models.identity.residents import IdType, Resident
from services.identity import errors, idnumbers
from services.identity.wechat_token import AccessTokenHolder
from services.privacy import FieldCipher


def id_number_hash(cipher: FieldCipher, id_type: str, number: str) -> str:
    """The keyed look-up hash of a document number (one account per document)."""
    return cipher.lookup_hash(f"{id_type}:{number}", field="id_number")


class IdentityChecker(Protocol):
    async def verify_identity(
        self, name: str, id_type: PlatformIdType, id_number: str
    ) -> IdentityResult: ...


class PhoneSource(Protocol):
    async def get_phone_number(self, access_token: str, code: str) -> PhoneInfo: ...


async def verify_real_name(
    resident: Resident,
    *,
    name: str,
    id_type: IdType,
    id_number: str,
    nationality: str | None,
    checker: IdentityChecker,
    cipher: FieldCipher,
    today: date,
) -> Resident:
    """Check the number locally, then with 爱山东; bind it to this resident (one account each)."""
    parsed = idnumbers.parse(id_type, id_number, today=today)
    id_hash = id_number_hash(cipher, id_type, parsed.number)
    if resident.verified_at is not None:
        if resident.id_number_hash == id_hash:
            return resident  # the same verification again: nothing to do
        raise errors.already_verified()
    if await Resident.filter(id_number_hash=id_hash).exclude(id=resident.id).exists():
        raise errors.id_number_bound()
    verdict = await checker.verify_identity(name, id_type.value, parsed.number)
    if verdict.result != "match":
        mismatch = verdict.result == "mismatch"
        raise errors.identity_mismatch() if mismatch else errors.identity_not_found()
    resident.name_enc = cipher.encrypt(name, field="name")
    resident.id_type = id_type
    resident.id_number_enc = cipher.encrypt(parsed.number, field="id_number")
    resident.id_number_hash = id_hash
    resident.birth_date = parsed.birth_date
    resident.sex = parsed.sex
    resident.nationality = "CHN" if id_type == IdType.ID_CARD else nationality
    resident.verified_at = datetime.now(UTC)
    try:
        await resident.save()
    except IntegrityError:  # a concurrent verification of the same number won the race
        raise errors.id_number_bound() from None
    return resident


async def bind_phone_by_code(
    resident: Resident,
    code: str,
    *,
    tokens: AccessTokenHolder,
    wechat: PhoneSource,
    cipher: FieldCipher,
) -> Resident:
    """Bind the phone number behind a one-time ``getPhoneNumber`` code."""

    async def fetch(token: str) -> PhoneInfo:
        return await wechat.get_phone_number(token, code)

    try:
        info = await tokens.call(fetch)
    except WeChatError as exc:
        if exc.code in (40029, 40163, 40013):
            raise errors.phone_code_invalid() from None
        raise
    return await _store_phone(resident, info.pure_phone_number, cipher)


async def bind_phone_by_encrypted_data(
    resident: Resident, encrypted_data: str, iv: str, *, app_id: str, cipher: FieldCipher
) -> Resident:
    """Bind the phone number from the legacy button (AES-128-CBC with the session key).

    The checked decryption refuses what wechatpy lets through: loose base64, padding that is
    not PKCS#7, data that is not a phone number, a watermark naming another app.
    """
    if not resident.session_key_enc:
        raise errors.encrypted_data_invalid()
    session_key = cipher.decrypt(resident.session_key_enc, field="session_key")
    try:
        info = decrypt_phone_number(session_key, encrypted_data, iv, app_id)
    except EncryptedDataError:
        raise errors.encrypted_data_invalid() from None
    return await _store_phone(resident, info.pure_phone_number, cipher)


async def _store_phone(resident: Resident, phone: str, cipher: FieldCipher) -> Resident:
    resident.phone_enc = cipher.encrypt(phone, field="phone")
    resident.phone_hash = cipher.lookup_hash(phone, field="phone")
    await resident.save(update_fields=["phone_enc", "phone_hash", "updated_at"])
    return resident
