"""Talent office operators: applications to review, their evidence, and decisions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import Field

from integrations.talent.models import TalentClass
from models.talent.applications import ApplicationKind, ApplicationStatus, TalentApplication
from palm import keys
from palm.api import Api, ApiModel, path_uuid
from palm.lists import DayRange, PageQuery, csv_response
from services.privacy import FieldCipher, mask_id_number
from services.talent import evidence, review

api = Api("admin")
TALENT = {"operator:talent"}


class TalentQueueQuery(DayRange):
    """from/to: the days applications were made (Beijing time)."""

    status: Literal["pending_review", "approved", "rejected", "all"] = "pending_review"
    kind: ApplicationKind | None = Field(default=None, description="new, renewal or upgrade")

    def filter(self) -> review.QueueFilter:
        status = None if self.status == "all" else ApplicationStatus(self.status)
        return review.QueueFilter(status, self.kind, self.since, self.until)


class TalentQueuePageQuery(PageQuery, TalentQueueQuery):
    """A page of the queue, oldest first."""


class TalentEvidenceItem(ApiModel):
    id: str
    content_type: str
    width: int
    height: int
    size: int


class TalentReviewOut(ApiModel):
    id: str
    kind: str
    status: str
    applicant_name: str = Field(description="In full: the reviewer matches it to the evidence")
    applicant_id_number: str = Field(description="Masked")
    claimed_class: str | None
    note: str | None
    platform_reason: str | None
    platform_summary: dict[str, Any] | None
    talent_class: str | None
    tier: str | None
    decision_reason: str | None
    evidence: list[TalentEvidenceItem]
    created_at: datetime
    decided_at: datetime | None


class TalentReviewList(ApiModel):
    items: list[TalentReviewOut]
    next_cursor: str | None = Field(description="Pass as cursor= for the next page")


class TalentDecisionIn(ApiModel):
    approve: bool
    talent_class: TalentClass | None = Field(default=None, description="Required to approve")
    contract_ends_on: date | None = Field(default=None, description="Bounds the card's validity")
    reason: str | None = Field(default=None, max_length=200, description="Required to reject")


def _out(row: TalentApplication, cipher: FieldCipher) -> TalentReviewOut:
    applicant = row.resident
    name = cipher.decrypt(applicant.name_enc, field="name") if applicant.name_enc else ""
    number = applicant.id_number_enc
    masked = mask_id_number(cipher.decrypt(number, field="id_number")) if number else ""
    return TalentReviewOut(
        id=str(row.id), kind=row.kind.value, status=row.status.value, applicant_name=name,
        applicant_id_number=masked, claimed_class=row.claimed_class, note=row.note,
        platform_reason=row.platform_reason, platform_summary=row.platform_summary,
        talent_class=row.talent_class, tier=row.tier, decision_reason=row.decision_reason,
        evidence=[TalentEvidenceItem(id=str(e.id), content_type=e.content_type, width=e.width,
                               height=e.height, size=e.size) for e in row.evidence],
        created_at=row.created_at, decided_at=row.decided_at,
    )  # fmt: skip


@api.get("/api/v1/admin/talent/applications", query=TalentQueuePageQuery,
         response=TalentReviewList, roles=TALENT, errors=(400,))  # fmt: skip
async def review_queue(request: web.Request, query: TalentQueuePageQuery) -> TalentReviewList:
    """Applications by status (waiting for review by default), kind and days, oldest first."""
    found = await review.queue(query.filter(), cursor=query.cursor, limit=query.limit)
    cipher = request.app[keys.DEPS].cipher
    return TalentReviewList(items=[_out(row, cipher) for row in found.items],
                            next_cursor=found.next_cursor)  # fmt: skip


@api.get("/api/v1/admin/talent/applications.csv", query=TalentQueueQuery, roles=TALENT,
         content_type="text/csv", errors=(400,))  # fmt: skip
async def export_applications(request: web.Request, query: TalentQueueQuery) -> web.Response:
    """The same applications as CSV (UTF-8 with BOM), oldest first; names masked."""
    text = await review.export(query.filter(), request.app[keys.DEPS].cipher)
    return csv_response(text, f"talent-applications-{query.status}.csv")


@api.get("/api/v1/admin/talent/applications/{id}", response=TalentReviewOut, roles=TALENT)
async def review_application(request: web.Request) -> TalentReviewOut:
    """One application with what the platform said and the evidence attached."""
    return _out(await review.get(path_uuid(request)), request.app[keys.DEPS].cipher)


@api.get("/api/v1/admin/talent/applications/{id}/evidence/{evidence}", roles=TALENT,
         content_type="image/jpeg")  # fmt: skip
async def review_evidence(request: web.Request) -> web.Response:
    """One evidence image (JPEG or PNG, as its Content-Type says)."""
    row = await review.evidence_of(path_uuid(request), path_uuid(request, "evidence"))
    data = await evidence.read(
        row, cipher=request.app[keys.DEPS].cipher, data_dir=request.app[keys.SETTINGS].data_dir
    )
    return web.Response(body=data, content_type=row.content_type)


@api.post("/api/v1/admin/talent/applications/{id}/decision", body=TalentDecisionIn,
          response=TalentReviewOut, roles=TALENT, errors=(409,))  # fmt: skip
async def decide_application(request: web.Request, body: TalentDecisionIn) -> TalentReviewOut:
    """Approve (the card is issued with the class's tier) or reject with a reason; notified."""
    row = await review.decide(
        path_uuid(request), officer_id=request[keys.PRINCIPAL].resident_id, approve=body.approve,
        talent_class=body.talent_class, contract_ends_on=body.contract_ends_on,
        reason=body.reason, now=datetime.now(UTC),
    )  # fmt: skip
    return _out(row, request.app[keys.DEPS].cipher)
