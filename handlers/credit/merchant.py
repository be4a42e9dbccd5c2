"""Merchants and credit waivers: scan to waive, release, default, care bills, desk views.

Merchants learn whether a deposit is waived and, if not, a reason category: never a rating,
a score, an ID number or anything about the resident's other waivers.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Literal

from aiohttp import web
from pydantic import Field

from models.credit.waivers import CreditWaiver
from models.identity.organisations import Organisation
from palm import keys
from palm.api import Api, ApiModel, path_uuid
from palm.lists import DayRange, PageQuery, csv_response
from services.credit import care, defaults, desk, grants, queries, scenes, waivers
from services.credit.notices import CHINA
from services.credit.queries import WaiverView
from services.errors import PermissionDenied

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


async def _merchant(request: web.Request) -> Organisation:
    code = request[keys.PRINCIPAL].organisation("merchant_staff")
    merchant = await Organisation.get_or_none(code=code) if code else None
    if merchant is None:
        raise PermissionDenied(
            "no_merchant", "您的账户未绑定商户。", "Your account is not bound to a merchant."
        )
    return merchant


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


Action = Callable[[CreditWaiver, uuid.UUID, datetime], Awaitable[object]]


async def _act(request: web.Request, action: Action) -> MerchantWaiverOut:
    """Apply ``action`` to the merchant's waiver named in the path; the waiver as it is now."""
    deps, now, merchant = request.app[keys.DEPS], datetime.now(UTC), await _merchant(request)
    waiver = await waivers.of_merchant(merchant, path_uuid(request))
    await action(waiver, request[keys.PRINCIPAL].resident_id, now)
    return _out(await queries.one_of_merchant(merchant, waiver.id, cipher=deps.cipher), now)


@api.get("/api/v1/merchant/credit/scenes", response=SceneList, roles=STAFF)
async def merchant_scenes(request: web.Request) -> SceneList:
    """The scenes your merchant may waive deposits in."""
    rows = await scenes.of_merchant(await _merchant(request))
    return SceneList(items=[
        SceneOut(code=s.code, kind=s.kind.value, name_zh=s.name_zh, name_en=s.name_en,
                 deposit=s.deposit_fen, max_days=s.max_days)
        for s in rows
    ])  # fmt: skip


@api.post("/api/v1/merchant/credit/waivers", body=GrantIn, response=GrantOut, roles=STAFF,
          errors=(400, 404, 409, 503))  # fmt: skip
async def grant_waiver(request: web.Request, body: GrantIn) -> GrantOut:
    """Scan a resident's credit code and waive the deposit, or be told to take one."""
    deps = request.app[keys.DEPS]
    decision = await grants.grant(
        grants.GrantRequest(body.code, body.scene, body.amount, body.reference.strip()),
        merchant=await _merchant(request), staff_id=request[keys.PRINCIPAL].resident_id,
        platform=deps.credit, redis=deps.redis, keys=deps.codes,
        cipher=deps.cipher, now=datetime.now(UTC),
    )  # fmt: skip
    waiver, reason = decision.waiver, decision.reason
    zh, en = grants.REASONS[reason] if reason else ("已免押。", "Deposit waived.")
    return GrantOut(
        decision="waived" if waiver else "not_waived", waiver_id=waiver and str(waiver.id),
        scene=decision.scene.code, amount=decision.amount_fen,
        deposit_to_take=0 if waiver else decision.amount_fen, reason=reason, message_zh=zh,
        message_en=en, holder=decision.holder, due_at=waiver and waiver.due_at,
    )  # fmt: skip


@api.get("/api/v1/merchant/credit/waivers", response=MerchantWaiverList, roles=STAFF,
         query=DeskPageQuery, errors=(400,))  # fmt: skip
async def merchant_waivers(request: web.Request, query: DeskPageQuery) -> MerchantWaiverList:
    """Your waivers by view (active by default), order reference, scene and days granted.

    Newest first (overdue: longest overdue first); with a cursor, keep the other filters.
    """
    deps, now = request.app[keys.DEPS], datetime.now(UTC)
    views, cursor = await desk.page(
        await _merchant(request), query.filter(), cipher=deps.cipher, now=now,
        cursor=query.cursor, limit=query.limit,
    )  # fmt: skip
    return MerchantWaiverList(items=[_out(v, now) for v in views], next_cursor=cursor)


@api.get("/api/v1/merchant/credit/waivers.csv", query=DeskQuery, roles=STAFF,
         content_type="text/csv", errors=(400,))  # fmt: skip
async def export_merchant_waivers(request: web.Request, query: DeskQuery) -> web.Response:
    """The same list as CSV, every matching waiver, oldest first (UTF-8 with BOM)."""
    merchant, now = await _merchant(request), datetime.now(UTC)
    text = await desk.export(
        merchant, query.filter(), cipher=request.app[keys.DEPS].cipher, now=now
    )
    return csv_response(text, f"credit-waivers-{merchant.code}-{query.view}.csv")


@api.get("/api/v1/merchant/credit/summary", response=SummaryOut, roles=STAFF, query=MonthQuery)
async def merchant_summary(request: web.Request, query: MonthQuery) -> SummaryOut:
    """A month's totals by event (granted, released, defaulted, paid…), China time."""
    month = query.month or datetime.now(CHINA).strftime("%Y-%m")
    year, number = (int(part) for part in month.split("-"))
    found = await queries.monthly(await _merchant(request), year, number)
    totals = {kind: Total(count=t.count, amount=t.amount_fen) for kind, t in found.items()}
    return SummaryOut(month=month, totals=totals)


@api.post("/api/v1/merchant/credit/waivers/{id}/release", response=MerchantWaiverOut,
          roles=STAFF, errors=(404, 409))  # fmt: skip
async def release_waiver(request: web.Request) -> MerchantWaiverOut:
    """The item is back (book returned, checked out): the waiver closes."""
    return await _act(request, lambda w, staff, now: waivers.release(w, staff_id=staff, now=now))


@api.post("/api/v1/merchant/credit/waivers/{id}/default", body=DefaultIn,
          response=MerchantWaiverOut, roles=STAFF, errors=(400, 404, 409))  # fmt: skip
async def record_default(request: web.Request, body: DefaultIn) -> MerchantWaiverOut:
    """Record a default (item lost or damaged, bill unpaid); the resident may pay or dispute."""
    evidence = body.evidence.strip()
    return await _act(request, lambda w, staff, now: defaults.record(
        w, body.amount, evidence, staff_id=staff, now=now))  # fmt: skip


@api.post("/api/v1/merchant/credit/waivers/{id}/bill", body=BillIn, response=MerchantWaiverOut,
          roles=STAFF, errors=(400, 404, 409))  # fmt: skip
async def settle_bill(request: web.Request, body: BillIn) -> MerchantWaiverOut:
    """信用就医 discharge: settle the bill; the patient pays it within the interest-free days."""
    return await _act(request, lambda w, staff, now: care.settle(
        w, body.amount, staff_id=staff, now=now))  # fmt: skip


@api.post("/api/v1/merchant/credit/waivers/{id}/paid", response=MerchantWaiverOut,
          roles=STAFF, errors=(404, 409))  # fmt: skip
async def paid_at_counter(request: web.Request) -> MerchantWaiverOut:
    """The resident paid what they owed (a default or a bill) at your counter."""
    return await _act(
        request, lambda w, staff, now: waivers.paid_at_counter(w, staff_id=staff, now=now)
    )
