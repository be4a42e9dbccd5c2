"""Applying for the card: no paper when the talent platform confirms, an operator otherwise.

The platform is asked with the resident's verified identity. A confirmed qualification
("no proof") issues the card in the same transaction as the approved application. Otherwise
the application waits for an operator, with the evidence images the resident uploaded.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Protocol

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from integrations.talent.models import Qualification
from models.identity.residents import Resident
from models.talent.applications import (
    ApplicationBasis,
    ApplicationKind,
    ApplicationStatus,
    TalentApplication,
)
from models.talent.cards import TalentCard, TalentTier
from services import errors as shared
from services.privacy import FieldCipher
from services.talent import cards, errors, evidence, notices, rules
from services.talent.clock import local_date


class QualificationSource(Protocol):
    async def qualification(self, id_number: str, name: str) -> Qualification | None: ...


def identity_of(resident: Resident, cipher: FieldCipher) -> tuple[str, str]:
    """The verified (ID number, name) the platform is asked with."""
    if resident.verified_at is None or not (resident.id_number_enc and resident.name_enc):
        raise shared.real_name_required()
    return (
        cipher.decrypt(resident.id_number_enc, field="id_number"),
        cipher.decrypt(resident.name_enc, field="name"),
    )


def summary(found: Qualification | None) -> dict[str, Any] | None:
    """What the platform said, for the reviewing operator (no personal numbers)."""
    if found is None:
        return None
    return found.model_dump(mode="json", exclude={"version"})


def kind_for(active: TalentCard | None, tier: TalentTier | None, today: date) -> ApplicationKind:
    """New, upgrade or renewal; refuses while a card of this tier or better has time left."""
    if active is None or active.valid_until < today:
        return ApplicationKind.NEW
    if tier is not None and tier.rank > active.tier.rank:
        return ApplicationKind.UPGRADE
    if today >= cards.renewal_opens_on(active):
        return ApplicationKind.RENEWAL
    raise errors.card_exists()


async def apply(
    resident: Resident,
    *,
    evidence_ids: list[uuid.UUID],
    claimed_class: str | None,
    note: str | None,
    platform: QualificationSource,
    cipher: FieldCipher,
    now: datetime,
) -> TalentApplication:
    """Apply (or renew, or upgrade); approved at once when the platform confirms."""
    number, name = identity_of(resident, cipher)
    today = local_date(now)
    if await TalentApplication.exists(
        resident_id=resident.id, status=ApplicationStatus.PENDING_REVIEW
    ):
        raise errors.application_pending()
    active = await cards.active_primary(resident.id)
    found = await platform.qualification(number, name)
    outcome = await rules.evaluate(found, today)
    if isinstance(outcome, rules.Confirmed):
        kind_for(active, outcome.tier, today)  # refuse early; decided again under the lock
        try:
            return await _approve_at_once(resident, outcome, found, claimed_class, note, now)
        except IntegrityError:  # a concurrent application issued the card first
            raise errors.card_exists() from None
    claimed = await rules.rule_for(claimed_class) if claimed_class else None
    kind = kind_for(active, claimed.tier if claimed else None, today)
    if not evidence_ids:
        raise errors.evidence_required(outcome)
    try:
        async with in_transaction():
            application = await TalentApplication.create(
                id=uuid.uuid4(), resident=resident, kind=kind,
                status=ApplicationStatus.PENDING_REVIEW, pending_key=resident.id.hex,
                claimed_class=claimed_class, note=note, platform_reason=outcome,
                platform_summary=summary(found),
            )  # fmt: skip
            await evidence.attach(resident.id, evidence_ids, application)
    except IntegrityError:  # another application started waiting meanwhile
        raise errors.application_pending() from None
    return application


async def _approve_at_once(
    resident: Resident,
    terms: rules.Confirmed,
    found: Qualification | None,
    claimed_class: str | None,
    note: str | None,
    now: datetime,
) -> TalentApplication:
    async with in_transaction():
        # Under the card's row lock, so of concurrent applications one issues the card.
        active = await cards.active_primary(resident.id, lock=True)
        kind = kind_for(active, terms.tier, local_date(now))
        application = await TalentApplication.create(
            id=uuid.uuid4(), resident=resident, kind=kind, status=ApplicationStatus.APPROVED,
            basis=ApplicationBasis.NO_PROOF, talent_class=terms.talent_class,
            tier=terms.tier.value, claimed_class=claimed_class, note=note,
            platform_summary=summary(found), contract_ends_on=terms.contract_ends_on,
            decided_at=now,
        )  # fmt: skip
        await grant(application, resident, terms, active, now)
    return application


async def grant(
    application: TalentApplication,
    resident: Resident,
    terms: rules.Confirmed,
    replacing: TalentCard | None,
    now: datetime,
) -> None:
    """Issue the card an approved application earns, and tell the resident (in-transaction)."""
    card = await cards.issue(
        resident.id, name_enc=resident.name_enc or "", talent_class=terms.talent_class,
        tier=terms.tier, valid_until=terms.valid_until, family_cards=terms.family_cards,
        application_id=application.id, replacing=replacing, now=now,
    )  # fmt: skip
    application.card_id = card.id
    await application.save(update_fields=["card_id"])
    await notices.decided(application, now)


async def for_resident(resident_id: uuid.UUID, limit: int = 20) -> list[TalentApplication]:
    return (
        await TalentApplication.filter(resident_id=resident_id)
        .prefetch_related("evidence")
        .order_by("-created_at")
        .limit(limit)
    )


async def get_own(resident_id: uuid.UUID, application_id: uuid.UUID) -> TalentApplication:
    application = await TalentApplication.get_or_none(
        id=application_id, resident_id=resident_id
    ).prefetch_related("evidence")
    if application is None:
        raise errors.application_not_found()
    return application


async def preview(
    resident: Resident, *, platform: QualificationSource, cipher: FieldCipher, now: datetime
) -> tuple[Qualification | None, rules.Confirmed | rules.Unconfirmed]:
    """What the platform holds and what it would earn, before applying (nothing is stored)."""
    number, name = identity_of(resident, cipher)
    found = await platform.qualification(number, name)
    return found, await rules.evaluate(found, local_date(now))
