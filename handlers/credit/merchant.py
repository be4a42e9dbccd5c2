"""Merchants and credit waivers: scan to waive, release, default, care bills, desk views.

Merchants learn whether a deposit is waived and, if not, a reason category: never a rating,
a score, an ID number or anything about the resident's other waivers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from aiohttp import web
from pydantic import Field

from palm import keys
from palm.api import Api, ApiModel, path_uuid
from palm.lists import DayRange, PageQuery, csv_response
from services.credit import desk, grants, queries, scenes
from services.credit.queries import WaiverView

api = Api("merchant")
STAFF = {"merchant_staff"}
Fen = Field(description="fen (0.01 yuan)")


class SceneOut(ApiModel):
    code: str
    kind: str
    name_zh: str
    name_en: str
    deposit: int = Field(description="fen: the most a waiver covers here")
    max_days: int = Field(description="A waiver is due back after this many days")


class SceneList(ApiModel):
    items: list[SceneOut]


class GrantIn(ApiModel):
    code: str = Field(min_length=10, max_length=600, description="The scanned credit code text")
    scene: str = Field(min_length=1, max_length=64, description="Scene code, e.g. library")
    amount: int = Field(gt=0, le=10_000_000, description="fen: the deposit to waive")
    reference: str = Field(min_length=1, max_length=64, description="Your order or loan number")


class GrantOut(ApiModel):
    decision: Literal["waived", "not_waived"]
    waiver_id: str | None
    scene: str
    amount: int = Fen
    deposit_to_take: int = Field(description="fen: 0 when waived, else the deposit to take")
    reason: grants.Reason | None = Field(description="Why not, as a category only")
    message_zh: str
    message_en: str
    holder: str | None = Field(description="The resident's name, masked, to compare at the desk")
    due_at: datetime | None


class MerchantDefaultOut(ApiModel):
    amount: int = Fen
    status: str = Field(description="open | disputed | unresolved | resolved")
    window_ends_at: datetime


class MerchantBillOut(ApiModel):
    status: str = Field(description="open | due | paid")
    amount: int | None = Fen
    due_at: datetime | None


class MerchantWaiverOut(ApiModel):
    id: str
    scene: str
    reference: str
    amount: int = Fen
    status: str = Field(description="active | defaulted | closed")
    holder: str | None = Field(description="Masked name")
    granted_at: datetime
    due_at: datetime
    closed_at: datetime | None
    overdue: bool
    default: MerchantDefaultOut | None
    bill: MerchantBillOut | None


class MerchantWaiverList(ApiModel):
    items: list[MerchantWaiverOut]
    next_cursor: str | None = Field(description="Pass as cursor= for the next page")


class DeskQuery(DayRange):
    """Filters of the desk list and its CSV; from/to are the days granted (China time)."""

    view: desk.DeskView = Field(
        default="active",
        description="active, overdue, defaulted, closed (every finished one), released "
        "(closed because the item came back) or all",
    )
    reference: str | None = Field(default=None, min_length=1, max_length=64,
                                  description="Your order or loan number, exactly")  # fmt: skip
    scene: str | None = Field(default=None, min_length=1, max_length=64)

    def filter(self) -> desk.DeskFilter:
        return desk.DeskFilter(self.view, self.reference, self.scene, self.since, self.until)


class DeskPageQuery(PageQuery, DeskQuery):
    """A page of the desk list."""


class Total(ApiModel):
    count: int
    amount: int = Fen


class SummaryOut(ApiModel):
    month: str
    totals: dict[str, Total] = Field(description="By event: granted, released, defaulted, paid…")


class MonthQuery(ApiModel):
    month: str | None = Field(
        default=None,
        pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$",
        description="YYYY-MM (China time); this month if left out",
    )


class DefaultIn(ApiModel):
    amount: int = Field(gt=0, le=10_000_000, description="fen: what the resident owes")
    evidence: str = Field(min_length=1, max_length=1000, description="What happened")


class BillIn(ApiModel):
    amount: int = Field(gt=0, le=10_000_000, description="fen: the bill at discharge")


def _merchant(request: web.Request) -> str | None:
    """The organisation code of the staff's merchant (the service refuses None)."""
    return request[keys.PRINCIPAL].organisation("merchant_staff")


def _out(view: WaiverView, now: datetime) -> MerchantWaiverOut:
    w, d, b = view.waiver, view.default, view.bill
    return MerchantWaiverOut(
        id=str(w.id), scene=w.scene.code, reference=w.reference, amount=w.amount_fen,
        status=w.status.value, holder=view.holder, granted_at=w.granted_at, due_at=w.due_at,
        closed_at=w.closed_at, overdue=view.overdue(now),
        default=d and MerchantDefaultOut(
            amount=d.amount_fen, status=d.status.value, window_ends_at=d.window_ends_at),
        bill=b and MerchantBillOut(status=b.status.value, amount=b.amount_fen, due_at=b.due_at),
    )  # fmt: skip


async def _act(request: web.Request, action: desk.Action) -> MerchantWaiverOut:
    """Apply ``action`` to the merchant's waiver named in the path; the waiver as it is now."""
    now, staff_id = datetime.now(UTC), request[keys.PRINCIPAL].resident_id
    view = await desk.act(request.app[keys.DEPS], _merchant(request), path_uuid(request), action,
                          staff_id=staff_id, now=now)  # fmt: skip
    return _out(view, now)


@api.get("/api/v1/merchant/credit/scenes", response=SceneList, roles=STAFF)
async def merchant_scenes(request: web.Request) -> SceneList:
    """The scenes your merchant may waive deposits in."""
    rows = await scenes.of_merchant(_merchant(request))
    return SceneList(items=[
        SceneOut(code=s.code, kind=s.kind.value, name_zh=s.name_zh, name_en=s.name_en,
                 deposit=s.deposit_fen, max_days=s.max_days)
        for s in rows
    ])  # fmt: skip


@api.post("/api/v1/merchant/credit/waivers", body=GrantIn, response=GrantOut, roles=STAFF,
          errors=(400, 404, 409, 503))  # fmt: skip
async def grant_waiver(request: web.Request, body: GrantIn) -> GrantOut:
    """Scan a resident's credit code and waive the deposit, or be told to take one."""
    decision = await grants.grant(
        request.app[keys.DEPS],
        grants.GrantRequest(body.code, body.scene, body.amount, body.reference.strip()),
        merchant_code=_merchant(request), staff_id=request[keys.PRINCIPAL].resident_id,
        now=datetime.now(UTC),
    )  # fmt: skip
    waiver, (zh, en) = decision.waiver, decision.message
    return GrantOut(
        decision="waived" if waiver else "not_waived", waiver_id=waiver and str(waiver.id),
        scene=decision.scene.code, amount=decision.amount_fen,
        deposit_to_take=decision.deposit_to_take_fen, reason=decision.reason, message_zh=zh,
        message_en=en, holder=decision.holder, due_at=waiver and waiver.due_at,
    )  # fmt: skip


@api.get("/api/v1/merchant/credit/waivers", response=MerchantWaiverList, roles=STAFF,
         query=DeskPageQuery, errors=(400,))  # fmt: skip
async def merchant_waivers(request: web.Request, query: DeskPageQuery) -> MerchantWaiverList:
    """Your waivers by view (active by default), order reference, scene and days granted.

    Newest first (overdue: longest overdue first); with a cursor, keep the other filters.
    """
    now = datetime.now(UTC)
    views, cursor = await desk.page(
        request.app[keys.DEPS], _merchant(request), query.filter(), now=now,
        cursor=query.cursor, limit=query.limit,
    )  # fmt: skip
    return MerchantWaiverList(items=[_out(v, now) for v in views], next_cursor=cursor)


@api.get("/api/v1/merchant/credit/waivers.csv", query=DeskQuery, roles=STAFF,
         content_type="text/csv", errors=(400,))  # fmt: skip
async def export_merchant_waivers(request: web.Request, query: DeskQuery) -> web.Response:
    """The same list as CSV, every matching waiver, oldest first (UTF-8 with BOM)."""
    merchant = _merchant(request)
    text = await desk.export(
        request.app[keys.DEPS], merchant, query.filter(), now=datetime.now(UTC)
    )
    return csv_response(text, f"credit-waivers-{merchant}-{query.view}.csv")


@api.get("/api/v1/merchant/credit/summary", response=SummaryOut, roles=STAFF, query=MonthQuery)
async def merchant_summary(request: web.Request, query: MonthQuery) -> SummaryOut:
    """A month's totals by event (granted, released, defaulted, paid…), China time."""
    found = await queries.summary(_merchant(request), query.month, now=datetime.now(UTC))
    totals = {kind: Total(count=t.count, amount=t.amount_fen) for kind, t in found.totals.items()}
    return SummaryOut(month=found.month, totals=totals)


@api.post("/api/v1/merchant/credit/waivers/{id}/release", response=MerchantWaiverOut,
          roles=STAFF, errors=(404, 409))  # fmt: skip
async def release_waiver(request: web.Request) -> MerchantWaiverOut:
    """The item is back (book returned, checked out): the waiver closes."""
    return await _act(request, desk.Release())


@api.post("/api/v1/merchant/credit/waivers/{id}/default", body=DefaultIn,
          response=MerchantWaiverOut, roles=STAFF, errors=(400, 404, 409))  # fmt: skip
async def record_default(request: web.Request, body: DefaultIn) -> MerchantWaiverOut:
    """Record a default (item lost or damaged, bill unpaid); the resident may pay or dispute."""
    return await _act(request, desk.RecordDefault(body.amount, body.evidence.strip()))


@api.post("/api/v1/merchant/credit/waivers/{id}/bill", body=BillIn, response=MerchantWaiverOut,
          roles=STAFF, errors=(400, 404, 409))  # fmt: skip
async def settle_bill(request: web.Request, body: BillIn) -> MerchantWaiverOut:
    """信用就医 discharge: settle the bill; the patient pays it within the interest-free days."""
    return await _act(request, desk.SettleBill(body.amount))


@api.post("/api/v1/merchant/credit/waivers/{id}/paid", response=MerchantWaiverOut,
          roles=STAFF, errors=(404, 409))  # fmt: skip
async def paid_at_counter(request: web.Request) -> MerchantWaiverOut:
    """The resident paid what they owed (a default or a bill) at your counter."""
    return await _act(request, desk.PaidAtCounter())
