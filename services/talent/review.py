"""Operators review applications the platform could not confirm, and decide them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.residents import Resident, ResidentStatus
from models.talent_applications import (
    ApplicationBasis,
    ApplicationStatus,
    TalentApplication,
    TalentEvidence,
)
from services.errors import InvalidInput
from services.talent import cards, errors, notices, rules
from services.talent.applications import grant
from services.talent.clock import local_date


async def queue(status: ApplicationStatus | None, limit: int = 100) -> list[TalentApplication]:
    """Applications for operators (of one status, or all), oldest first."""
    query = TalentApplication.all()
    if status is not None:
        query = query.filter(status=status)
    return await query.prefetch_related("resident", "evidence").order_by("created_at").limit(limit)


async def get(application_id: uuid.UUID) -> TalentApplication:
    application = await TalentApplication.get_or_none(id=application_id).prefetch_related(
        "resident", "evidence"
    )
    if application is None:
        raise errors.application_not_found()
    return application


async def evidence_of(application_id: uuid.UUID, evidence_id: uuid.UUID) -> TalentEvidence:
    row = await TalentEvidence.get_or_none(id=evidence_id, application_id=application_id)
    if row is None:
        raise errors.evidence_missing()
    return row


async def decide(
    application_id: uuid.UUID,
    *,
    officer_id: uuid.UUID,
    approve: bool,
    talent_class: str | None,
    contract_ends_on: date | None,
    reason: str | None,
    now: datetime,
) -> TalentApplication:
    """Approve (issuing the card of the class the operator found) or reject with a reason."""
    try:
        decided = await _decide(
            application_id, officer_id=officer_id, approve=approve, talent_class=talent_class,
            contract_ends_on=contract_ends_on, reason=reason, now=now,
        )  # fmt: skip
    except IntegrityError:  # the applicant got a card another way at the same moment
        raise errors.card_exists() from None
    return await get(decided)


async def _decide(
    application_id: uuid.UUID,
    *,
    officer_id: uuid.UUID,
    approve: bool,
    talent_class: str | None,
    contract_ends_on: date | None,
    reason: str | None,
    now: datetime,
) -> uuid.UUID:
    today = local_date(now)
    async with in_transaction():
        application = await TalentApplication.filter(id=application_id).select_for_update().first()
        if application is None:
            raise errors.application_not_found()
        if application.status is not ApplicationStatus.PENDING_REVIEW:
            raise errors.application_decided()
        if application.resident_id == officer_id:  # type: ignore[attr-defined]
            raise errors.own_application()
        resident = await Resident.get(id=application.resident_id)  # type: ignore[attr-defined]
        terms = await _terms(talent_class, contract_ends_on, today) if approve else None
        if not approve and not reason:
            raise InvalidInput("talent_reason_required", "请填写不通过的原因。", "Give the reason.")
        if terms is not None and resident.status is not ResidentStatus.ACTIVE:
            raise InvalidInput("talent_applicant_closed", "申请人已注销。", "The applicant left.")
        application.status = ApplicationStatus.APPROVED if terms else ApplicationStatus.REJECTED
        application.basis, application.pending_key = ApplicationBasis.REVIEWED, None
        application.decided_by_id, application.decided_at = officer_id, now
        application.decision_reason = reason
        if terms is not None:
            application.talent_class, application.tier = terms.talent_class, terms.tier.value
            application.contract_ends_on = contract_ends_on
        await application.save()
        if terms is not None:
            active = await cards.active_primary(resident.id, lock=True)
            await grant(application, resident, terms, active, now)
        else:
            await notices.decided(application, now)
    return application.id


async def _terms(
    talent_class: str | None, contract_ends_on: date | None, today: date
) -> rules.Confirmed:
    if talent_class is None:
        raise InvalidInput("talent_class_required", "请选择人才类别。", "Choose the talent class.")
    rule = await rules.rule_for(talent_class)
    if rule is None:
        raise errors.no_rule(talent_class)
    last_day = rules.valid_until(today, contract_ends_on, rule.max_years)
    if last_day is None:
        raise InvalidInput(
            "talent_contract_ended", "劳动合同已到期。", "The labour contract ended."
        )
    return rules.Confirmed(talent_class, rule.tier, last_day, contract_ends_on, rule.family_cards)
