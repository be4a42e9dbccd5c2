"""The talent e-card itself: view, live code and picture, report lost, replace, family sub-cards.

``member`` (``self`` or a delegation id with talent scope) lets family follow the holder's card
and report it lost; the code, the picture, reissue and sub-cards are the holder's alone.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from aiohttp import web
from pydantic import Field

from models.talent.cards import FamilyRelation, TalentCard
from palm import keys
from palm.api import Api, ApiModel, path_uuid
from services.identity import residents
from services.talent import benefits, cards, family, members, view

api = Api("talent")
Member = Field("self", min_length=1, max_length=36,
               description="self, or a delegation id (talent scope)")  # fmt: skip


class TalentBenefitStatus(ApiModel):
    code: str
    name_zh: str
    name_en: str
    merchant: str
    merchant_name_zh: str
    period: str | None = Field(description="year or month; None when unlimited")
    quota: int | None
    used: int
    remaining: int | None


class TalentFamilyCardOut(ApiModel):
    id: str = Field(description="Ask for its code with card=<id>")
    relation: FamilyRelation | None
    name: str = Field(description="Masked")
    valid_until: date


class TalentCardOut(ApiModel):
    id: str
    state: str = Field(description="active, expired, lost, superseded or cancelled")
    tier: str
    talent_class: str
    name: str = Field(description="Masked")
    valid_from: date
    valid_until: date
    renewal_opens_on: date
    renewal_open: bool
    family_allowance: int
    family: list[TalentFamilyCardOut]
    benefits: list[TalentBenefitStatus]


class TalentCardQuery(ApiModel):
    card: uuid.UUID | None = Field(default=None, description="A family sub-card's id")


class TalentCodeOut(ApiModel):
    card_id: str
    tier: str
    code: str = Field(description="QR text (base45); show it as a QR code")
    expires_at: datetime
    refresh_at: datetime = Field(description="Fetch a new code at this time")


class TalentFamilyIn(ApiModel):
    relation: FamilyRelation
    name: str = Field(min_length=1, max_length=60)
    id_number: str = Field(min_length=18, max_length=18)


def _at(stamp: int) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)


def _family_out(sub: TalentCard, name: str) -> TalentFamilyCardOut:
    return TalentFamilyCardOut(
        id=str(sub.id), relation=sub.relation, name=name, valid_until=sub.valid_until
    )


def _benefit_out(item: benefits.Available) -> TalentBenefitStatus:
    benefit = item.benefit
    return TalentBenefitStatus(
        code=benefit.code, name_zh=benefit.name_zh, name_en=benefit.name_en,
        merchant=benefit.merchant.code, merchant_name_zh=benefit.merchant.name_zh,
        period=benefit.period.value if benefit.quota else None, quota=benefit.quota,
        used=item.used, remaining=item.remaining,
    )  # fmt: skip


class TalentMemberQuery(ApiModel):
    member: str = Member


async def holder_of(request: web.Request, member: str) -> uuid.UUID:
    """The resident whose card ``member`` names (the caller, or family they act for)."""
    actor = await residents.get_active(request[keys.PRINCIPAL].resident_id)
    cipher = request.app[keys.DEPS].cipher
    return await members.holder_id(actor, member, cipher=cipher, now=datetime.now(UTC))


async def _card_out(request: web.Request, holder: uuid.UUID) -> TalentCardOut:
    shown = await view.card_view(holder, request.app[keys.DEPS].cipher, datetime.now(UTC))
    card = shown.card
    return TalentCardOut(
        id=str(card.id), state=shown.state, tier=card.tier.value, talent_class=card.talent_class,
        name=shown.name, valid_from=card.valid_from, valid_until=card.valid_until,
        renewal_opens_on=shown.renewal_opens_on, renewal_open=shown.renewal_open,
        family_allowance=shown.family_allowance,
        family=[_family_out(sub, name) for sub, name in shown.family],
        benefits=[_benefit_out(item) for item in shown.benefits],
    )  # fmt: skip


@api.get("/api/v1/talent/card", query=TalentMemberQuery, response=TalentCardOut, errors=(404,))
async def talent_card(request: web.Request, query: TalentMemberQuery) -> TalentCardOut:
    """The member's card: tier, validity, renewal, family sub-cards, benefits and quota left."""
    return await _card_out(request, await holder_of(request, query.member))


@api.get(
    "/api/v1/talent/card/code", query=TalentCardQuery, response=TalentCodeOut, errors=(404, 409)
)
async def talent_card_code(request: web.Request, query: TalentCardQuery) -> TalentCodeOut:
    """A live code for your card or a family sub-card: valid ~2 minutes, refresh each minute."""
    deps = request.app[keys.DEPS]
    card, issued = await view.card_code(
        request[keys.PRINCIPAL].resident_id, query.card, deps.codes, datetime.now(UTC),
        deps.changes,
    )  # fmt: skip
    return TalentCodeOut(
        card_id=str(card.id), tier=card.tier.value, code=issued.text,
        expires_at=_at(issued.expires_at), refresh_at=_at(issued.refresh_at),
    )  # fmt: skip


@api.get("/api/v1/talent/card/image", query=TalentCardQuery, content_type="image/png",
         errors=(404, 409))  # fmt: skip
async def talent_card_image(request: web.Request, query: TalentCardQuery) -> web.Response:
    """The e-card as a PNG with a live QR code (name masked); refresh it each minute."""
    cipher = request.app[keys.DEPS].cipher
    png, issued = await view.card_image(
        request[keys.PRINCIPAL].resident_id, query.card, request.app[keys.DEPS].codes, cipher,
        datetime.now(UTC),
    )  # fmt: skip
    headers = {"X-Code-Expires-At": _at(issued.expires_at).isoformat(),
               "X-Code-Refresh-At": _at(issued.refresh_at).isoformat()}  # fmt: skip
    return web.Response(body=png, content_type="image/png", headers=headers)


@api.post("/api/v1/talent/card/report-lost", query=TalentMemberQuery, response=TalentCardOut,
          errors=(404,))  # fmt: skip
async def report_card_lost(request: web.Request, query: TalentMemberQuery) -> TalentCardOut:
    """Report the card lost: it and its family sub-cards stop working at once.

    Family acting for the holder may report it too (a parent's phone stolen, say).
    """
    holder = await holder_of(request, query.member)
    await cards.report_lost(holder, datetime.now(UTC))
    return await _card_out(request, holder)


@api.post("/api/v1/talent/card/reissue", response=TalentCardOut, status=201, errors=(404, 409))
async def reissue_card(request: web.Request) -> TalentCardOut:
    """A new card for one reported lost: same tier and validity, new codes."""
    await cards.reissue(request[keys.PRINCIPAL].resident_id, datetime.now(UTC))
    return await _card_out(request, request[keys.PRINCIPAL].resident_id)


@api.post("/api/v1/talent/card/family", body=TalentFamilyIn, response=TalentFamilyCardOut,
          status=201, errors=(403, 404, 409))  # fmt: skip
async def add_family_card(request: web.Request, body: TalentFamilyIn) -> TalentFamilyCardOut:
    """Add a family sub-card (gold by default); identity and relation checked with 爱山东."""
    sub = await family.add(
        await residents.get_active(request[keys.PRINCIPAL].resident_id),
        relation=body.relation, name=body.name.strip(), id_number=body.id_number,
        register=request.app[keys.DEPS].aishandong, cipher=request.app[keys.DEPS].cipher,
        now=datetime.now(UTC),
    )  # fmt: skip
    return _family_out(sub, view.masked(sub, request.app[keys.DEPS].cipher))


@api.delete("/api/v1/talent/card/family/{id}", status=204)
async def remove_family_card(request: web.Request) -> None:
    """Withdraw a family sub-card; its codes stop working at once."""
    await family.remove(request[keys.PRINCIPAL].resident_id, path_uuid(request), datetime.now(UTC))
