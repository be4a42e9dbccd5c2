"""Residents: look-up, the masked profile, the language they read, and closing an account."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from tortoise.transactions import in_transaction

from models.identity.delegations import Delegation
from models.identity.residents import Grant, Language, Resident, ResidentStatus
from services.identity import errors
from services.identity.sessions import Sessions
from services.localcopy import Changes
from services.privacy import FieldCipher, mask_name, mask_phone
from services.talent import cards as talent_cards

SERVICES = ("talent", "transit", "medical", "credit")


@dataclass(frozen=True, slots=True)
class ProfileView:
    id: str
    name: str | None
    phone: str | None
    verified: bool
    verified_at: datetime | None
    id_type: str | None
    birth_date: date | None
    language: Language | None
    services: dict[str, bool]


async def get_active(resident_id: uuid.UUID) -> Resident:
    resident = await Resident.get_or_none(id=resident_id, status=ResidentStatus.ACTIVE)
    if resident is None:
        raise errors.session_invalid()
    return resident


ROWS_COPY = "resident-rows"


async def get_active_for_reading(changes: Changes, resident_id: uuid.UUID) -> Resident:
    """The active resident, from this process's copy when it has one (at most 30 s old, dropped
    on any announced change to the resident: real name, phone, language, closing).

    For reads that change nothing: the row is shared by every request of the process, so it
    must not be edited or saved (take ``get_active`` for that)."""
    copy = changes.copy(ROWS_COPY, size=5_000, fresh_seconds=30.0, topic="resident")
    key = resident_id.hex
    kept: Resident | None = copy.get(key)
    if kept is not None:
        return kept
    epoch = copy.begin()
    resident = await get_active(resident_id)
    copy.keep(key, resident, key, epoch)
    return resident


async def profile(sessions: Sessions, cipher: FieldCipher, resident_id: uuid.UUID) -> ProfileView:
    """The active resident's masked profile, from this process's copy when it has one.

    The copy holds masked fields only; every change to the resident reaches it through
    ``Sessions.resident_changed`` (and it is read again after a while in any case).
    """
    key = resident_id.hex
    found: ProfileView | None = sessions.profiles.get(key)
    if found is not None:
        return found
    epoch = sessions.profiles.begin()
    view = profile_view(await get_active(resident_id), cipher)
    sessions.profiles.keep(key, view, key, epoch)
    return view


def profile_view(resident: Resident, cipher: FieldCipher) -> ProfileView:
    """The resident's own fields, masked for display; services open once verified."""
    name = cipher.decrypt(resident.name_enc, field="name") if resident.name_enc else None
    phone = cipher.decrypt(resident.phone_enc, field="phone") if resident.phone_enc else None
    verified = resident.verified_at is not None
    return ProfileView(
        id=str(resident.id),
        name=mask_name(name) if name else None,
        phone=mask_phone(phone) if phone else None,
        verified=verified,
        verified_at=resident.verified_at,
        id_type=str(resident.id_type) if resident.id_type else None,
        birth_date=resident.birth_date,
        language=resident.language,
        services=dict.fromkeys(SERVICES, verified),
    )


async def set_language(
    resident: Resident, language: Language | None, sessions: Sessions
) -> Resident:
    """Choose the language of notifications, the bot and errors (None: the phone decides)."""
    resident.language = language  # type: ignore[assignment]  # a nullable column
    await resident.save(update_fields=["language", "updated_at"])
    await sessions.set_language(resident.id, language.value if language else None)
    return resident


async def language_of(openid: str, changes: Changes | None = None) -> Language | None:
    """The language the resident signed in with ``openid`` chose, if any (for the chat bot).

    None for a stranger, a closed account or a resident who has not chosen: the bot then
    goes by the language of the message itself. With ``changes``, from this process's copy
    (30 s at most; a new choice is announced for the resident and drops it).
    """
    copy = changes.copy("bot-language", fresh_seconds=30.0, topic="resident") if changes else None
    if copy is not None and (kept := copy.get(openid)) is not None:
        return kept[0]  # type: ignore[no-any-return]
    epoch = copy.begin() if copy is not None else 0
    resident = await Resident.get_or_none(openid=openid, status=ResidentStatus.ACTIVE).only(
        "id", "language"
    )
    chosen = Language(resident.language) if resident and resident.language else None
    if copy is not None:  # a stranger's answer is kept under their openid, which nothing announces
        owner = resident.id.hex if resident else f"openid:{openid}"
        copy.keep(openid, (chosen,), owner, epoch)
    return chosen


async def close(resident: Resident, sessions: Sessions) -> None:
    """Close the account: erase personal data no law requires keeping, end every session.

    Records other laws require (trips charged, waivers, the medical access log) keep the
    resident's id, which no longer leads to a name, number, phone or WeChat account.
    """
    async with in_transaction():
        await Grant.filter(resident_id=resident.id).delete()
        await Delegation.filter(delegate_id=resident.id).delete()
        if resident.id_number_hash:
            await Delegation.filter(subject_id_hash=resident.id_number_hash).delete()
        resident.openid = f"closed:{uuid.uuid4().hex}"
        resident.unionid = None
        for name in (
            "session_key_enc", "name_enc", "id_type", "id_number_enc", "id_number_hash",
            "birth_date", "sex", "nationality", "phone_enc", "phone_hash", "verified_at",
        ):  # fmt: skip
            setattr(resident, name, None)
        resident.status = ResidentStatus.CLOSED
        await resident.save()
        await talent_cards.close_holder(resident.id, datetime.now(UTC))  # codes revoked too
    await sessions.end_all(resident.id)
