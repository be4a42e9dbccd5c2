"""The credit office's cases: disputes to decide and defaults to follow, paged or as CSV."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from pydantic import Field

from palm import keys
from palm.api import Api, ApiModel, path_uuid
from palm.lists import DayRange, PageQuery, csv_response
from services.credit import disputes, office
from services.credit.office import DefaultStatus, DisputeStatus

api = Api("admin")
CREDIT = {"operator:credit"}
Code = Field(default=None, min_length=1, max_length=64)


class DisputeOut(ApiModel):
    id: str
    status: DisputeStatus
    reason: str
    created_at: datetime
    waiver_id: str
    merchant: str
    scene: str
    holder: str | None = Field(description="Masked name")
    amount: int = Field(description="fen: the default disputed")
    evidence: str
    decided_at: datetime | None
    decision_note: str | None


class DisputeList(ApiModel):
    items: list[DisputeOut]
    next_cursor: str | None = Field(description="Pass as cursor= for the next page")


class CaseQuery(DayRange):
    """Filters shared by both lists; from/to are the days created (China time)."""

    merchant: str | None = Field(default=None, min_length=1, max_length=64,
                                 description="Organisation code")  # fmt: skip
    scene: str | None = Code
    reference: str | None = Field(default=None, min_length=1, max_length=64,
                                  description="The merchant's order number, exactly")  # fmt: skip


class DisputeQuery(CaseQuery):
    status: office.DisputeState = "pending"

    def filter(self) -> office.OfficeFilter:
        return office.OfficeFilter(self.status, self.merchant, self.scene, self.reference,
                                   self.since, self.until)  # fmt: skip


class DisputePageQuery(PageQuery, DisputeQuery):
    """A page of disputes, oldest first."""


class DefaultQuery(CaseQuery):
    status: office.DefaultState = "all"
    reported: bool | None = Field(default=None, description="Sent to the credit platform")

    def filter(self) -> office.OfficeFilter:
        return office.OfficeFilter(self.status, self.merchant, self.scene, self.reference,
                                   self.since, self.until, self.reported)  # fmt: skip


class DefaultPageQuery(PageQuery, DefaultQuery):
    """A page of defaults, newest first."""


class DefaultOut(ApiModel):
    id: str
    status: DefaultStatus
    resolution: str | None = Field(description="paid | dispute_upheld")
    created_at: datetime
    window_ends_at: datetime
    waiver_id: str
    merchant: str
    scene: str
    reference: str
    holder: str | None = Field(description="Masked name")
    amount: int = Field(description="fen")
    evidence: str
    reported: bool
    repaired: bool


class DefaultList(ApiModel):
    items: list[DefaultOut]
    next_cursor: str | None = Field(description="Pass as cursor= for the next page")


class DecisionIn(ApiModel):
    upheld: bool = Field(description="true: the resident is right and owes nothing")
    note: str = Field(min_length=1, max_length=500)


def _dispute_out(case: office.DisputeCase) -> DisputeOut:
    return DisputeOut(
        id=str(case.id), status=case.status, reason=case.reason, created_at=case.created_at,
        waiver_id=str(case.waiver_id), merchant=case.merchant, scene=case.scene,
        holder=case.holder, amount=case.amount_fen, evidence=case.evidence,
        decided_at=case.decided_at, decision_note=case.decision_note,
    )  # fmt: skip


def _default_out(case: office.DefaultCase) -> DefaultOut:
    return DefaultOut(
        id=str(case.id), status=case.status, resolution=case.resolution,
        created_at=case.created_at, window_ends_at=case.window_ends_at,
        waiver_id=str(case.waiver_id), merchant=case.merchant, scene=case.scene,
        reference=case.reference, holder=case.holder, amount=case.amount_fen,
        evidence=case.evidence, reported=case.reported_at is not None,
        repaired=case.repaired_at is not None,
    )  # fmt: skip


@api.get("/api/v1/admin/credit/disputes", response=DisputeList, roles=CREDIT,
         query=DisputePageQuery, errors=(400,))  # fmt: skip
async def list_credit_disputes(request: web.Request, query: DisputePageQuery) -> DisputeList:
    """Disputes of defaults, pending ones by default, oldest first."""
    found, cursor = await office.disputes(
        request.app[keys.DEPS], query.filter(), cursor=query.cursor, limit=query.limit
    )
    return DisputeList(items=[_dispute_out(c) for c in found], next_cursor=cursor)


@api.get("/api/v1/admin/credit/disputes.csv", query=DisputeQuery, roles=CREDIT,
         content_type="text/csv", errors=(400,))  # fmt: skip
async def export_credit_disputes(request: web.Request, query: DisputeQuery) -> web.Response:
    """The same disputes as CSV (UTF-8 with BOM), oldest first."""
    text = await office.disputes_csv(request.app[keys.DEPS], query.filter())
    return csv_response(text, f"credit-disputes-{query.status}.csv")


@api.get("/api/v1/admin/credit/defaults", response=DefaultList, roles=CREDIT,
         query=DefaultPageQuery, errors=(400,))  # fmt: skip
async def list_credit_defaults(request: web.Request, query: DefaultPageQuery) -> DefaultList:
    """Defaults merchants recorded, by state (all by default), newest first."""
    found, cursor = await office.defaults(
        request.app[keys.DEPS], query.filter(), cursor=query.cursor, limit=query.limit
    )
    return DefaultList(items=[_default_out(c) for c in found], next_cursor=cursor)


@api.get("/api/v1/admin/credit/defaults.csv", query=DefaultQuery, roles=CREDIT,
         content_type="text/csv", errors=(400,))  # fmt: skip
async def export_credit_defaults(request: web.Request, query: DefaultQuery) -> web.Response:
    """The same defaults as CSV (UTF-8 with BOM), oldest first."""
    text = await office.defaults_csv(request.app[keys.DEPS], query.filter())
    return csv_response(text, f"credit-defaults-{query.status}.csv")


@api.post("/api/v1/admin/credit/disputes/{id}/decision", body=DecisionIn, response=DisputeOut,
          roles=CREDIT, errors=(404, 409))  # fmt: skip
async def decide_credit_dispute(request: web.Request, body: DecisionIn) -> DisputeOut:
    """Decide a dispute: upheld resolves the default (repairing any report); rejected stands."""
    case = await disputes.decide(
        request.app[keys.DEPS], path_uuid(request), upheld=body.upheld, note=body.note.strip(),
        operator_id=request[keys.PRINCIPAL].resident_id, now=datetime.now(UTC),
    )  # fmt: skip
    return _dispute_out(case)
