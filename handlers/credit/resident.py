"""Residents and credit waivers: the credit code, their standing, waivers, disputes, payment.

``member`` is ``self`` or the id of a delegation with credit scope (a child acting for an
elderly parent: their code at the hospital desk, their bill paid); anything else is 404.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from pydantic import Field

from palm import keys
from palm.api import Api, ApiModel
from services.credit import accounts, queries
from services.credit.queries import WaiverView

api = Api("credit")
Fen = Field(description="fen (0.01 yuan)")
Member = Field("self", min_length=1, max_length=36,
               description="self, or a delegation id (credit scope)")  # fmt: skip


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
    rating: str | None = Field(description="The holder's rating band (A+ to D); none if unrated")
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


class CreditMemberQuery(ApiModel):
    member: str = Member


@api.get("/api/v1/credit/code", query=CreditMemberQuery, response=CodeOut,
         errors=(403, 404, 503))  # fmt: skip
async def credit_code(request: web.Request, query: CreditMemberQuery) -> CodeOut:
    """A one-minute, single-use credit code to show a merchant for a deposit waiver.

    For a family member it is their code: the waiver rests on their own credit.
    """
    issued = await accounts.issue_code(
        request.app[keys.DEPS], request[keys.PRINCIPAL].resident_id, query.member,
        now=datetime.now(UTC),
    )  # fmt: skip
    return CodeOut(
        text=issued.text,
        expires_at=datetime.fromtimestamp(issued.expires_at, UTC),
        refresh_at=datetime.fromtimestamp(issued.refresh_at, UTC),
    )


@api.get("/api/v1/credit/profile", query=CreditMemberQuery, response=ProfileOut,
         errors=(403, 404, 503))  # fmt: skip
async def credit_profile(request: web.Request, query: CreditMemberQuery) -> ProfileOut:
    """The member's rating band, what is waived against their limit, waivers and defaults."""
    now = datetime.now(UTC)
    found = await queries.profile(
        request.app[keys.DEPS], request[keys.PRINCIPAL].resident_id, query.member, now=now
    )
    return ProfileOut.of(found, now)
