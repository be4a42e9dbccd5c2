"""Acting for family: a parent for a minor child, an adult for a parent who agreed.

Every service asks ``subject_for`` the same question: may this resident act for that member in
this scope now? A "no" is indistinguishable from "no such member" (NotFound), so ids leak nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, Protocol

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from integrations.aishandong.models import Household
from models.identity.delegations import Delegation, DelegationBasis, DelegationStatus, Relation
from models.identity.residents import IdType, Resident
from services import errors as shared
from services.identity import errors, idnumbers
from services.identity.realname import IdentityChecker, id_number_hash
from services.medical import cache as medical_cache
from services.privacy import FieldCipher

ScopeName = Literal["medical", "transit", "credit", "talent"]
SCOPES = frozenset({"medical", "transit", "credit", "talent"})
ADULT_AGE = 18
INVITATION_DAYS = 7
CONFIRMED_DAYS = 365


class HouseholdRegister(Protocol):
    async def household_members(self, id_number: str) -> Household: ...


@dataclass(frozen=True, slots=True)
class Subject:
    """Whose data a request is about: the caller themself, or a member they act for."""

    id_number: str
    name: str
    birth_date: date | None
    resident_id: uuid.UUID | None
    delegation_id: uuid.UUID | None


def _verified_number(resident: Resident, cipher: FieldCipher) -> str:
    if resident.verified_at is None or not resident.id_number_enc:
        raise shared.real_name_required()
    return cipher.decrypt(resident.id_number_enc, field="id_number")


async def request(
    delegate: Resident,
    *,
    relation: Relation,
    name: str,
    id_number: str,
    scopes: frozenset[str],
    register: HouseholdRegister,
    checker: IdentityChecker,
    cipher: FieldCipher,
    now: datetime,
) -> Delegation:
    """Ask to act for a child (checked in the household register) or a parent (who confirms)."""
    own_number = _verified_number(delegate, cipher)
    parsed = idnumbers.parse("id_card", id_number, today=now.date(), path="body/id_number")
    if parsed.birth_date is None:  # never for an ID card; keeps the type checker honest
        raise errors.id_number_invalid()
    if parsed.number == own_number:
        raise errors.delegation_self()
    age = idnumbers.age_on(parsed.birth_date, now.date())
    if relation == Relation.CHILD:
        if age >= ADULT_AGE:
            raise errors.delegation_child_adult()
        household = await register.household_members(own_number)
        if not any(m.id_number == parsed.number and m.name == name for m in household.members):
            raise errors.delegation_not_in_household()
        status, basis = DelegationStatus.ACTIVE, DelegationBasis.HOUSEHOLD_REGISTER
        birthday = parsed.birth_date
        expires = datetime(birthday.year + ADULT_AGE, birthday.month, birthday.day, tzinfo=UTC)
    else:
        if age < ADULT_AGE:
            raise errors.delegation_parent_minor()
        verdict = await checker.verify_identity(name, "id_card", parsed.number)
        if verdict.result != "match":
            raise errors.delegation_identity_mismatch()
        status, basis = DelegationStatus.PENDING, DelegationBasis.SUBJECT_CONFIRMED
        expires = now + timedelta(days=INVITATION_DAYS)
    subject_hash = id_number_hash(cipher, IdType.ID_CARD, parsed.number)
    subject = await Resident.get_or_none(id_number_hash=subject_hash)
    values: dict[str, Any] = {
        "subject_resident": subject,
        "subject_name_enc": cipher.encrypt(name, field="name"),
        "subject_id_number_enc": cipher.encrypt(parsed.number, field="id_number"),
        "subject_birth_date": parsed.birth_date,
        "relation": relation,
        "scopes": ",".join(sorted(scopes)),
        "status": status,
        "basis": basis,
        "expires_at": expires,
        "confirmed_at": now if status == DelegationStatus.ACTIVE else None,
        "ended_at": None,
    }
    async with in_transaction():
        existing = (
            await Delegation.filter(delegate_id=delegate.id, subject_id_hash=subject_hash)
            .select_for_update()
            .first()
        )
        if existing is not None and existing.status == DelegationStatus.ACTIVE:
            raise errors.delegation_exists()
        try:
            if existing is None:
                return await Delegation.create(
                    delegate=delegate, subject_id_hash=subject_hash, **values
                )
            await existing.update_from_dict(values).save()
            return existing
        except IntegrityError:
            raise errors.delegation_exists() from None


async def held_by(delegate_id: uuid.UUID) -> list[Delegation]:
    return await Delegation.filter(delegate_id=delegate_id).order_by("created_at")


async def given_by(resident: Resident) -> list[Delegation]:
    """Delegations naming this resident as the subject (to confirm, decline or revoke)."""
    if not resident.id_number_hash:
        return []
    return (
        await Delegation.filter(subject_id_hash=resident.id_number_hash)
        .prefetch_related("delegate")
        .order_by("created_at")
    )


async def counterpart_name(row: Delegation, me: Resident, cipher: FieldCipher) -> str:
    """The other side's name as ``me`` sees it: the subject to the delegate, else the delegate."""
    if row.delegate_id == me.id:  # type: ignore[attr-defined]
        return cipher.decrypt(row.subject_name_enc, field="name")
    await row.fetch_related("delegate")  # a no-op where given_by prefetched it
    name = row.delegate.name_enc
    return cipher.decrypt(name, field="name") if name else "?"


async def _find(resident: Resident, delegation_id: uuid.UUID) -> tuple[Delegation, bool]:
    """The delegation if this resident is its delegate or subject; (row, is_subject)."""
    row = await Delegation.get_or_none(id=delegation_id)
    if row is not None:
        if row.delegate_id == resident.id:  # type: ignore[attr-defined]
            return row, False
        if resident.id_number_hash and row.subject_id_hash == resident.id_number_hash:
            return row, True
    raise errors.delegation_not_found()


async def confirm(resident: Resident, delegation_id: uuid.UUID, *, now: datetime) -> Delegation:
    """The subject agrees: the delegate may act for them from now on."""
    row, is_subject = await _find(resident, delegation_id)
    if not is_subject:
        raise errors.delegation_not_found()
    if row.status != DelegationStatus.PENDING or row.expires_at <= now:
        raise errors.delegation_not_pending()
    row.status = DelegationStatus.ACTIVE
    row.subject_resident_id = resident.id
    row.confirmed_at = now
    row.expires_at = now + timedelta(days=CONFIRMED_DAYS)
    await row.save()
    return row


async def end(resident: Resident, delegation_id: uuid.UUID, *, now: datetime) -> Delegation:
    """Either side ends it: the subject declines or revokes, the delegate withdraws."""
    row, is_subject = await _find(resident, delegation_id)
    if row.status not in (DelegationStatus.PENDING, DelegationStatus.ACTIVE):
        return row
    pending = row.status == DelegationStatus.PENDING
    row.status = DelegationStatus.DECLINED if pending and is_subject else DelegationStatus.REVOKED
    row.ended_at = now
    async with in_transaction():
        await row.save()
        await medical_cache.forget_delegation(row.id, now)  # records read for them, cached
    return row


async def acting_for(
    actor_id: uuid.UUID, member: str, scope: str, now: datetime
) -> Delegation | None:
    """The delegation ``member`` names if the actor may act with it in ``scope`` now.

    The one rule: the actor's own, active, not expired, and granting ``scope``. Nothing is
    decrypted, so a hot path may ask it on every request.
    """
    try:
        delegation_id = uuid.UUID(member)
    except ValueError:
        return None
    row = await Delegation.get_or_none(
        id=delegation_id, delegate_id=actor_id, status=DelegationStatus.ACTIVE
    )
    if row is None or row.expires_at <= now or scope not in row.scope_set:
        return None
    return row


async def subject_for(
    actor: Resident, member: str, scope: str, *, cipher: FieldCipher, now: datetime
) -> Subject:
    """Resolve ``member`` ("self" or a delegation id) to the person whose data is asked for."""
    if member == "self":
        number = _verified_number(actor, cipher)
        name = cipher.decrypt(actor.name_enc, field="name") if actor.name_enc else ""
        return Subject(number, name, actor.birth_date, actor.id, None)
    row = await acting_for(actor.id, member, scope, now)
    if row is None:
        raise shared.member_not_found()
    return Subject(
        cipher.decrypt(row.subject_id_number_enc, field="id_number"),
        cipher.decrypt(row.subject_name_enc, field="name"),
        row.subject_birth_date,
        row.subject_resident_id,  # type: ignore[attr-defined]
        row.id,
    )
