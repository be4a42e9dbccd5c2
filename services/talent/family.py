"""Family sub-cards: tiers whose rule allows them (gold by default) add a spouse, child or parent.

The member's name is checked against their ID number, and the relation against the household
register, with 爱山东: no paper. A person holds one active talent card of any kind (the unique
active key), so one spouse is not on two talents' cards.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from integrations.aishandong.models import Household, IdentityResult
from integrations.base import IdType as PlatformIdType
from integrations.base import PlatformError
from models.identity.residents import IdType, Resident
from models.talent.cards import CardKind, CardStatus, FamilyRelation, TalentCard
from services.identity import idnumbers
from services.identity.realname import id_number_hash
from services.privacy import FieldCipher
from services.talent import cards, errors, rules
from services.talent.applications import identity_of
from services.talent.clock import local_date


class FamilyRegister(Protocol):
    """爱山东: whose name an ID number carries, and who shares a household register."""

    async def verify_identity(
        self, name: str, id_type: PlatformIdType, id_number: str
    ) -> IdentityResult: ...

    async def household_members(self, id_number: str) -> Household: ...


async def _check_relation(
    register: FamilyRegister, own_number: str, number: str, name: str
) -> None:
    """The member must be on the talent's household register page (户口簿), under that name.

    A parent registered in another household cannot be verified this way and is refused with
    a clear reason (the register is the only no-paper proof of the relation we have).
    """
    try:
        household = await register.household_members(own_number)
    except PlatformError:  # the talent is not in the register at all (a foreigner, say)
        raise errors.family_not_in_household() from None
    if not any(m.id_number == number and m.name == name for m in household.members):
        raise errors.family_not_in_household()


async def add(
    resident: Resident,
    *,
    relation: FamilyRelation,
    name: str,
    id_number: str,
    register: FamilyRegister,
    cipher: FieldCipher,
    now: datetime,
) -> TalentCard:
    """Issue a sub-card to a family member, valid as long as the talent's own card."""
    today = local_date(now)
    primary = await cards.active_primary(resident.id)
    if primary is None:
        raise errors.card_not_found()
    cards.check_usable(primary, today)
    rule = await rules.rule_for(primary.talent_class)
    allowance = rule.family_cards if rule else 0
    if allowance == 0:
        raise errors.family_not_allowed()
    parsed = idnumbers.parse("id_card", id_number, today=today, path="body/id_number")
    id_hash = id_number_hash(cipher, IdType.ID_CARD, parsed.number)
    if id_hash == resident.id_number_hash:
        raise errors.family_self()
    if not (await register.verify_identity(name, "id_card", parsed.number)).matched:
        raise errors.family_identity_mismatch()
    await _check_relation(register, identity_of(resident, cipher)[0], parsed.number, name)
    holder = cards.member_holder(id_hash)
    try:
        async with in_transaction():
            # Locking the talent's card serialises additions, so the allowance holds.
            await TalentCard.filter(id=primary.id).select_for_update().first()
            if len(await cards.family_of(primary)) >= allowance:
                raise errors.family_limit(allowance)
            await cards.changed(resident.id)
            return await TalentCard.create(
                id=uuid.uuid4(), resident_id=resident.id, kind=CardKind.FAMILY,
                primary_id=primary.id, relation=relation, holder_key=holder, active_key=holder,
                name_enc=cipher.encrypt(name, field="name"), talent_class=primary.talent_class,
                tier=primary.tier, valid_from=today, valid_until=primary.valid_until,
                application_id=primary.application_id, issued_at=now,
            )  # fmt: skip
    except IntegrityError:
        raise errors.family_exists() from None


async def remove(resident_id: uuid.UUID, card_id: uuid.UUID, now: datetime) -> None:
    """Withdraw a sub-card at once (it goes on the revocation list)."""
    async with in_transaction():
        card = (
            await TalentCard.filter(id=card_id, resident_id=resident_id, kind=CardKind.FAMILY)
            .select_for_update()
            .first()
        )
        if card is None:
            raise errors.family_card_not_found()
        if card.status is CardStatus.ACTIVE:
            await cards.cancel(card, now)
