"""Talent office operators: applications to review, their evidence, and decisions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import Field

from integrations.talent.models import TalentClass
from models.talent_applications import ApplicationStatus, TalentApplication
from palm import keys
from palm.api import Api, ApiModel, path_uuid
from services.privacy import FieldCipher, mask_id_number
from services.talent import evidence, review

api = Api("admin")
TALENT = {"operator:talent"}


class TalentQueueQuery(ApiModel):
    status: Literal["pending_review", "approved", "rejected", "all"] = "pending_review"


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


@api.get("/api/v1/admin/talent/applications", query=TalentQueueQuery, response=TalentReviewList,
         roles=TALENT)  # fmt: skip
async def review_queue(request: web.Request, query: TalentQueueQuery) -> TalentReviewList:
    """Applications by status (waiting for review by default), oldest first."""
    rows = await review.queue(None if query.status == "all" else ApplicationStatus(query.status))
    return TalentReviewList(items=[_out(row, request.app[keys.CIPHER]) for row in rows])


@api.get("/api/v1/admin/talent/applications/{id}", response=TalentReviewOut, roles=TALENT)
async def review_application(request: web.Request) -> TalentReviewOut:
    """One application with what the platform said and the evidence attached."""
    return _out(await review.get(path_uuid(request)), request.app[keys.CIPHER])


@api.get("/api/v1/admin/talent/applications/{id}/evidence/{evidence}", roles=TALENT,
         content_type="image/jpeg")  # fmt: skip
async def review_evidence(request: web.Request) -> web.Response:
    """One evidence image (JPEG or PNG, as its Content-Type says)."""
    row = await review.evidence_of(path_uuid(request), path_uuid(request, "evidence"))
    data = await evidence.read(
        row, cipher=request.app[keys.CIPHER], data_dir=request.app[keys.SETTINGS].data_dir
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
    return _out(row, request.app[keys.CIPHER])
