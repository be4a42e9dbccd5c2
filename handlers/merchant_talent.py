"""Talent card benefits at the gate: merchants' staff redeem codes and see their day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aiohttp import web
from pydantic import Field

from models.talent_benefits import TalentBenefit
from models.talent_cards import CardKind
from palm import keys
from palm.api import Api, ApiModel
from services.privacy import mask_name
from services.talent import benefits, history, redemptions
from services.talent.clock import local_date

api = Api("merchant")
STAFF = {"merchant_staff"}


class TalentRedeemIn(ApiModel):
    code: str = Field(min_length=1, max_length=600, description="The scanned QR text")
    benefit: str = Field(min_length=1, max_length=64, description="The benefit's code")


class TalentGateBenefit(ApiModel):
    code: str
    name_zh: str
    name_en: str


class TalentRedeemOut(ApiModel):
    """Only what the gate needs: no ID number, no phone, the name masked."""

    id: str
    name: str = Field(description="Masked, e.g. 林*言")
    tier: str
    family: bool = Field(description="A family sub-card")
    benefit: TalentGateBenefit
    remaining: int | None = Field(description="Left this period; None when unlimited")
    redeemed_at: datetime


class TalentDayQuery(ApiModel):
    day: date | None = Field(default=None, description="Local date; today by default")


class TalentDayItem(ApiModel):
    id: str
    benefit: str
    tier: str
    name: str = Field(description="Masked")
    family: bool
    redeemed_at: datetime


class TalentDayTotal(ApiModel):
    benefit: str
    redemptions: int


class TalentDayOut(ApiModel):
    day: date
    total: int
    totals: list[TalentDayTotal]
    items: list[TalentDayItem]


class TalentGateBenefits(ApiModel):
    items: list[TalentGateBenefit]


def _gate(benefit: TalentBenefit) -> TalentGateBenefit:
    return TalentGateBenefit(code=benefit.code, name_zh=benefit.name_zh, name_en=benefit.name_en)


@api.post("/api/v1/merchant/talent/redemptions", body=TalentRedeemIn, response=TalentRedeemOut,
          status=201, roles=STAFF, errors=(404, 409))  # fmt: skip
async def redeem_benefit(request: web.Request, body: TalentRedeemIn) -> TalentRedeemOut:
    """Redeem a benefit with a scanned talent card code: once per code, within the quota."""
    app, principal = request.app, request[keys.PRINCIPAL]
    cipher = app[keys.CIPHER]
    done = await redemptions.redeem(
        code_text=body.code, benefit_code=body.benefit,
        merchant_code=principal.organisation("merchant_staff"), staff_id=principal.resident_id,
        keyring=await app[keys.DEPS].codes.keyring(), redis=app[keys.REDIS], cipher=cipher,
        now=datetime.now(UTC),
    )  # fmt: skip
    return TalentRedeemOut(
        id=str(done.redemption.id), name=done.name, tier=done.card.tier.value,
        family=done.card.kind is CardKind.FAMILY, benefit=_gate(done.benefit),
        remaining=done.remaining, redeemed_at=done.redemption.redeemed_at,
    )  # fmt: skip


@api.get(
    "/api/v1/merchant/talent/redemptions",
    query=TalentDayQuery,
    response=TalentDayOut,
    roles=STAFF,
)
async def merchant_day(request: web.Request, query: TalentDayQuery) -> TalentDayOut:
    """Your venue's redemptions on one day, with totals per benefit."""
    merchant = request[keys.PRINCIPAL].organisation("merchant_staff") or ""
    day = await history.for_merchant_day(merchant, query.day or local_date(datetime.now(UTC)))
    cipher = request.app[keys.CIPHER]
    items = [
        TalentDayItem(id=str(r.id), benefit=r.benefit.code, tier=r.tier.value,
                name=mask_name(cipher.decrypt(r.card.name_enc, field="name")),
                family=r.card.kind is CardKind.FAMILY, redeemed_at=r.redeemed_at)
        for r in day.items
    ]  # fmt: skip
    totals = [TalentDayTotal(benefit=code, redemptions=n) for code, n in sorted(day.totals.items())]
    return TalentDayOut(day=day.day, total=sum(day.totals.values()), totals=totals, items=items)


@api.get("/api/v1/merchant/talent/benefits", response=TalentGateBenefits, roles=STAFF)
async def merchant_benefits(request: web.Request) -> TalentGateBenefits:
    """The benefits your venue offers (to choose from at the gate)."""
    merchant = request[keys.PRINCIPAL].organisation("merchant_staff") or ""
    rows = [b for b in await benefits.catalogue() if b.merchant.code == merchant]
    return TalentGateBenefits(items=[_gate(b) for b in rows])
