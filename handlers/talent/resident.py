"""Talent e-card for residents: qualification, evidence, applications, redemption history."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from aiohttp import web
from pydantic import Field

from handlers.talent.card import Member, holder_of
from integrations.talent.models import TalentClass
from models.talent.applications import TalentApplication
from models.talent.benefits import TalentRedemption
from palm import keys
from palm.api import Api, ApiModel, path_uuid
from palm.lists import Moment, PageQuery
from services.identity import residents
from services.talent import applications, history, rules
from services.talent.evidence import MAX_PER_APPLICATION

api = Api("talent")

REASONS = {  # why the platform could not confirm, as the resident reads it
    "no_record": ("人才平台未查到您的人才信息", "The talent platform has no record of you"),
    "no_class": ("人才平台尚未认定您的人才类别", "The talent platform has not classed you yet"),
    "no_rule": ("您的人才类别暂无对应卡种", "Your talent class has no card tier yet"),
    "contract_ended": ("平台登记的劳动合同已到期", "Your labour contract on record has ended"),
}


class TalentQualificationOut(ApiModel):
    confirmed: bool = Field(description="True: applying issues the card at once, no paper")
    talent_class: str | None
    tier: str | None
    valid_until: date | None = Field(description="The last day a card issued now would cover")
    reason: str | None = Field(description="Why not confirmed: " + ", ".join(REASONS))
    message_zh: str | None
    message_en: str | None
    education: str | None
    title: str | None


class TalentApplicationIn(ApiModel):
    evidence: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_PER_APPLICATION)
    claimed_class: TalentClass | None = Field(default=None, description="For a manual review")
    note: str | None = Field(default=None, max_length=500)


class TalentApplicationOut(ApiModel):
    id: str
    kind: str = Field(description="new, renewal or upgrade")
    status: str = Field(description="approved, pending_review or rejected")
    basis: str | None = Field(description="no_proof (the platform confirmed) or reviewed")
    talent_class: str | None
    tier: str | None
    claimed_class: str | None
    platform_reason: str | None
    platform_message_zh: str | None
    platform_message_en: str | None
    decision_reason: str | None
    evidence_count: int
    card_id: str | None
    created_at: datetime
    decided_at: datetime | None


class TalentApplicationList(ApiModel):
    items: list[TalentApplicationOut]


class TalentHistoryQuery(PageQuery):
    member: str = Member
    limit: int = Field(default=20, ge=1, le=100)
    before: Moment | None = Field(default=None, description="Only redemptions before this")


class TalentRedemptionItem(ApiModel):
    id: str
    benefit: str
    benefit_name_zh: str
    benefit_name_en: str
    merchant_name_zh: str
    card_id: str
    family: bool
    redeemed_at: datetime


class TalentRedemptionList(ApiModel):
    items: list[TalentRedemptionItem]
    next_cursor: str | None = Field(description="Pass as cursor= for the next page")


def application_out(row: TalentApplication) -> TalentApplicationOut:
    zh, en = REASONS.get(row.platform_reason or "", (None, None))
    return TalentApplicationOut(
        id=str(row.id), kind=row.kind.value, status=row.status.value,
        basis=row.basis.value if row.basis else None, talent_class=row.talent_class,
        tier=row.tier, claimed_class=row.claimed_class, platform_reason=row.platform_reason,
        platform_message_zh=zh, platform_message_en=en, decision_reason=row.decision_reason,
        evidence_count=len(row.evidence), card_id=str(row.card_id) if row.card_id else None,
        created_at=row.created_at, decided_at=row.decided_at,
    )  # fmt: skip


@api.get("/api/v1/talent/qualification", response=TalentQualificationOut, errors=(403,))
async def talent_qualification(request: web.Request) -> TalentQualificationOut:
    """What the talent platform holds on you, and whether applying needs any paper."""
    resident = await residents.get_active(request[keys.PRINCIPAL].resident_id)
    found, outcome = await applications.preview(
        resident, platform=request.app[keys.DEPS].talent, cipher=request.app[keys.DEPS].cipher,
        now=datetime.now(UTC),
    )  # fmt: skip
    education = found.education.level if found and found.education else None
    title = found.title.name if found and found.title else None
    if isinstance(outcome, rules.Confirmed):
        return TalentQualificationOut(
            confirmed=True, talent_class=outcome.talent_class, tier=outcome.tier.value,
            valid_until=outcome.valid_until, reason=None, message_zh=None, message_en=None,
            education=education, title=title,
        )  # fmt: skip
    zh, en = REASONS[outcome]
    return TalentQualificationOut(
        confirmed=False, talent_class=None, tier=None, valid_until=None, reason=outcome,
        message_zh=zh, message_en=en, education=education, title=title,
    )  # fmt: skip


@api.post("/api/v1/talent/applications", body=TalentApplicationIn, response=TalentApplicationOut,
          status=201, errors=(403, 409))  # fmt: skip
async def apply_for_card(request: web.Request, body: TalentApplicationIn) -> TalentApplicationOut:
    """Apply, renew or upgrade: issued at once when the talent platform confirms, else reviewed."""
    row = await applications.apply(
        await residents.get_active(request[keys.PRINCIPAL].resident_id),
        evidence_ids=body.evidence, claimed_class=body.claimed_class, note=body.note,
        platform=request.app[keys.DEPS].talent, cipher=request.app[keys.DEPS].cipher,
        now=datetime.now(UTC),
    )  # fmt: skip
    return application_out(await applications.get_own(row.resident_id, row.id))  # type: ignore[attr-defined]


@api.get("/api/v1/talent/applications", response=TalentApplicationList)
async def list_applications(request: web.Request) -> TalentApplicationList:
    """Your applications, newest first, with their status and reasons."""
    rows = await applications.for_resident(request[keys.PRINCIPAL].resident_id)
    return TalentApplicationList(items=[application_out(row) for row in rows])


@api.get("/api/v1/talent/applications/{id}", response=TalentApplicationOut)
async def get_application(request: web.Request) -> TalentApplicationOut:
    """One of your applications."""
    row = await applications.get_own(request[keys.PRINCIPAL].resident_id, path_uuid(request))
    return application_out(row)


def redemption_item(row: TalentRedemption) -> TalentRedemptionItem:
    return TalentRedemptionItem(
        id=str(row.id), benefit=row.benefit.code, benefit_name_zh=row.benefit.name_zh,
        benefit_name_en=row.benefit.name_en, merchant_name_zh=row.merchant.name_zh,
        card_id=str(row.card.id), family=row.card.kind.value == "family",
        redeemed_at=row.redeemed_at,
    )  # fmt: skip


@api.get("/api/v1/talent/redemptions", query=TalentHistoryQuery, response=TalentRedemptionList,
         errors=(400, 404))  # fmt: skip
async def my_redemptions(request: web.Request, query: TalentHistoryQuery) -> TalentRedemptionList:
    """Benefits the member (and their family sub-cards) enjoyed, newest first."""
    holder = await holder_of(request, query.member)
    found = await history.for_resident(
        holder, cursor=query.cursor, limit=query.limit, before=query.before
    )
    return TalentRedemptionList(
        items=[redemption_item(row) for row in found.items], next_cursor=found.next_cursor
    )
