"""Residents and credit waivers: the credit code, their standing, waivers, disputes, payment."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from pydantic import Field

from palm import keys
from palm.api import Api, ApiModel, path_uuid
from services import residents
from services.credit import accounts, disputes, payments, queries, waivers
from services.credit.queries import WaiverView
from services.transit import settlement

api = Api("credit")
Fen = Field(description="fen (0.01 yuan)")


class EventOut(ApiModel):
    kind: str
    at: datetime
    amount: int | None = Fen
    note: str | None


class DefaultOut(ApiModel):
    amount: int = Fen
    evidence: str = Field(description="What the merchant gave as evidence")
    status: str = Field(description="open | disputed | unresolved (reported) | resolved")
    resolution: str | None = Field(description="paid | dispute_upheld")
    window_ends_at: datetime = Field(description="Pay or dispute before this, or it is reported")
    reported: bool
    repaired: bool
    dispute: str | None = Field(description="The latest dispute's status")


class BillOut(ApiModel):
    status: str = Field(description="open (in hospital) | due | paid")
    amount: int | None = Fen
    due_at: datetime | None = Field(description="Interest-free until then")


class WaiverOut(ApiModel):
    id: str
    scene: str
    scene_name_zh: str
    scene_name_en: str
    merchant_zh: str
    merchant_en: str
    amount: int = Fen
    status: str = Field(description="active | defaulted | closed")
    granted_at: datetime
    due_at: datetime
    closed_at: datetime | None
    overdue: bool
    default: DefaultOut | None
    bill: BillOut | None
    events: list[EventOut]


def waiver_out(view: WaiverView, now: datetime) -> WaiverOut:
    w, d, b = view.waiver, view.default, view.bill
    return WaiverOut(
        id=str(w.id),
        scene=w.scene.code,
        scene_name_zh=w.scene.name_zh,
        scene_name_en=w.scene.name_en,
        merchant_zh=w.merchant.name_zh,
        merchant_en=w.merchant.name_en,
        amount=w.amount_fen,
        status=w.status.value,
        granted_at=w.granted_at,
        due_at=w.due_at,
        closed_at=w.closed_at,
        overdue=view.overdue(now),
        default=None
        if d is None
        else DefaultOut(
            amount=d.amount_fen,
            evidence=d.evidence,
            status=d.status.value,
            resolution=d.resolution,
            window_ends_at=d.window_ends_at,
            reported=d.reported_at is not None,
            repaired=d.repaired_at is not None,
            dispute=view.dispute.status.value if view.dispute else None,
        ),
        bill=None
        if b is None
        else BillOut(status=b.status.value, amount=b.amount_fen, due_at=b.due_at),
        events=[
            EventOut(kind=e.kind.value, at=e.at, amount=e.amount_fen, note=e.note)
            for e in view.events
        ],
    )


class ProfileOut(ApiModel):
    rating: str | None = Field(description="Your own rating band (A+ to D); none if unrated")
    limit: int = Field(description="fen: the most you may have waived at once, city-wide")
    waived: int = Field(description="fen: waived now (active and in default)")
    available: int = Fen
    blocked: bool = Field(description="A reported default blocks new waivers until resolved")
    active: list[WaiverOut]
    defaults: list[WaiverOut]

    @classmethod
    def of(cls, found: queries.Profile, now: datetime) -> ProfileOut:
        return cls(
            rating=found.rating.value if found.rating else None,
            limit=found.limit_fen,
            waived=found.waived_fen,
            available=max(0, found.limit_fen - found.waived_fen),
            blocked=found.blocked,
            active=[waiver_out(v, now) for v in found.active],
            defaults=[waiver_out(v, now) for v in found.defaults],
        )


class CodeOut(ApiModel):
    text: str = Field(description="QR payload (base45, QR alphanumeric mode); shown to merchants")
    expires_at: datetime
    refresh_at: datetime = Field(description="Fetch a new code from this moment")


class WaiverList(ApiModel):
    items: list[WaiverOut]


class DisputeIn(ApiModel):
    reason: str = Field(min_length=1, max_length=500, description="Why the default is wrong")


class PaymentOut(ApiModel):
    out_trade_no: str
    amount: int = Field(description="fen")
    purpose: str = Field(description="default | bill")
    parameters: dict[str, str] = Field(description="Pass to wx.requestPayment")


@api.get("/api/v1/credit/code", response=CodeOut, errors=(403, 503))
async def credit_code(request: web.Request) -> CodeOut:
    """A one-minute, single-use credit code to show a merchant for a deposit waiver."""
    deps = request.app[keys.DEPS]
    resident = await residents.get_active(request[keys.PRINCIPAL].resident_id)
    issued = await accounts.issue_code(resident, deps.cipher, deps.codes, now=datetime.now(UTC))
    return CodeOut(
        text=issued.text,
        expires_at=datetime.fromtimestamp(issued.expires_at, UTC),
        refresh_at=datetime.fromtimestamp(issued.refresh_at, UTC),
    )


@api.get("/api/v1/credit/profile", response=ProfileOut, errors=(403, 503))
async def credit_profile(request: web.Request) -> ProfileOut:
    """Your rating band, what is waived against your limit, active waivers and defaults."""
    deps = request.app[keys.DEPS]
    resident = await residents.get_active(request[keys.PRINCIPAL].resident_id)
    found = await queries.profile(
        resident, platform=deps.credit, redis=deps.redis, cipher=deps.cipher
    )
    return ProfileOut.of(found, datetime.now(UTC))


@api.get("/api/v1/credit/waivers", response=WaiverList)
async def my_waivers(request: web.Request) -> WaiverList:
    """Your waivers, newest first, each with its full history."""
    now = datetime.now(UTC)
    views = await queries.of_resident(request[keys.PRINCIPAL].resident_id)
    return WaiverList(items=[waiver_out(v, now) for v in views])


@api.post(
    "/api/v1/credit/waivers/{id}/dispute",
    body=DisputeIn,
    response=WaiverOut,
    status=201,
    errors=(404, 409),
)
async def dispute_default(request: web.Request, body: DisputeIn) -> WaiverOut:
    """Dispute a merchant's default; the credit office decides, nothing is reported meanwhile."""
    resident_id, now = request[keys.PRINCIPAL].resident_id, datetime.now(UTC)
    waiver = await waivers.of_resident(resident_id, path_uuid(request))
    await disputes.dispute(waiver, body.reason.strip(), resident_id=resident_id, now=now)
    (view,) = await queries.of_resident(resident_id, waiver_id=waiver.id)
    return waiver_out(view, now)


@api.post("/api/v1/credit/waivers/{id}/pay", response=PaymentOut, errors=(404, 409, 503))
async def pay_waiver(request: web.Request) -> PaymentOut:
    """Pay what is owed on a waiver (a default or a care bill) with WeChat Pay (JSAPI)."""
    deps = request.app[keys.DEPS]
    resident = await residents.get_active(request[keys.PRINCIPAL].resident_id)
    waiver = await waivers.of_resident(resident.id, path_uuid(request))
    order = await payments.start(
        waiver, resident, deps.wechatpay, appid=deps.settings.wechat.app_id,
        notify_url=settlement.notify_url(deps), now=datetime.now(UTC),
    )  # fmt: skip
    return PaymentOut(
        out_trade_no=order.out_trade_no, amount=order.amount_fen, purpose=order.purpose.value,
        parameters=order.request.model_dump(by_alias=True),
    )  # fmt: skip
