"""Operators review applications the platform could not confirm, and decide them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models.identity.residents import Resident, ResidentStatus
from models.talent.applications import (
    ApplicationBasis,
    ApplicationKind,
    ApplicationStatus,
    TalentApplication,
    TalentEvidence,
)
from services import paging
from services.privacy import FieldCipher, mask_id_number, mask_name
from services.talent import cards, errors, notices, rules
from services.talent.applications import grant
from services.talent.clock import BEIJING, day_bounds, local_date

CHUNK = 500  # rows per prefetch: SQLite allows a few thousand parameters per statement
QUEUE_COLUMNS = (
    "id", "kind", "status", "created_at", "applicant", "applicant_id_masked", "claimed_class",
    "talent_class", "tier", "platform_reason", "evidence", "decided_at", "decision_reason",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class QueueFilter:
    status: ApplicationStatus | None = ApplicationStatus.PENDING_REVIEW  # None: every status
    kind: ApplicationKind | None = None
    since: date | None = None  # made on or after this local day
    until: date | None = None


def _queue(f: QueueFilter) -> QuerySet[TalentApplication]:
    query = TalentApplication.all()
    if f.status is not None:
        query = query.filter(status=f.status)
    if f.kind is not None:
        query = query.filter(kind=f.kind)
    if f.since is not None:
        query = query.filter(created_at__gte=day_bounds(f.since)[0])
    if f.until is not None:
        query = query.filter(created_at__lt=day_bounds(f.until)[1])
    return query


async def queue(
    f: QueueFilter, *, cursor: str | None, limit: int
) -> paging.Page[TalentApplication]:
    """A page of applications for operators, oldest first (the order they are worked in)."""
    query = _queue(f).prefetch_related("resident", "evidence")
    return await paging.page(query, cursor=cursor, limit=limit, newest_first=False)


async def export(f: QueueFilter, cipher: FieldCipher) -> str:
    """Every matching application as CSV, oldest first; names and numbers masked."""
    rows = await paging.export_rows(_queue(f))
    for start in range(0, len(rows), CHUNK):
        await TalentApplication.fetch_for_list(rows[start : start + CHUNK], "resident", "evidence")
    return paging.csv_text(QUEUE_COLUMNS, (_line(row, cipher) for row in rows))


def _local(moment: datetime | None) -> str | None:
    return moment.astimezone(BEIJING).isoformat(timespec="seconds") if moment else None


def _line(row: TalentApplication, cipher: FieldCipher) -> list[Any]:
    who = row.resident
    name = mask_name(cipher.decrypt(who.name_enc, field="name")) if who.name_enc else ""
    number = who.id_number_enc
    masked = mask_id_number(cipher.decrypt(number, field="id_number")) if number else ""
    return [
        row.id, row.kind.value, row.status.value,
        _local(row.created_at), name, masked, row.claimed_class, row.talent_class, row.tier,
        row.platform_reason, len(row.evidence), _local(row.decided_at), row.decision_reason,
    ]  # fmt: skip


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
        raise errors.evidence_not_found()
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
            application_id, officer_id, Decision(approve, talent_class, contract_ends_on, reason),
            now,
        )  # fmt: skip
    except IntegrityError:  # the applicant got a card another way at the same moment
        raise errors.card_exists() from None
    return await get(decided)


@dataclass(frozen=True, slots=True)
class Decision:
    approve: bool
    talent_class: str | None
    contract_ends_on: date | None
    reason: str | None


async def _decide(
    application_id: uuid.UUID, officer_id: uuid.UUID, decision: Decision, now: datetime
) -> uuid.UUID:
    approve, talent_class, reason = decision.approve, decision.talent_class, decision.reason
    contract_ends_on = decision.contract_ends_on
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
            raise errors.reason_required()
        if terms is not None and resident.status is not ResidentStatus.ACTIVE:
            raise errors.applicant_closed()
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
        raise errors.class_required()
    rule = await rules.rule_for(talent_class)
    if rule is None:
        raise errors.no_rule(talent_class)
    last_day = rules.valid_until(today, contract_ends_on, rule.max_years)
    if last_day is None:
        raise errors.contract_ended()
    return rules.Confirmed(talent_class, rule.tier, last_day, contract_ends_on, rule.family_cards)
