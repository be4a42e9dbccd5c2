"""Talent card benefits at the gate: merchants' staff redeem codes and see their history."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Self

from aiohttp import web
from pydantic import ConfigDict, Field, model_validator

from models.talent.benefits import TalentBenefit
from models.talent.cards import CardKind
from palm import keys
from palm.api import Api, ApiModel
from palm.lists import Day, DayRange, PageQuery, csv_response
from services.errors import FieldError, ValidationFailed
from services.talent import benefits, redemptions, venue
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


class TalentVenueQuery(DayRange):
    """from/to: local days, both included (today when both are left out); or one ``day``."""

    day: Day | None = Field(default=None, description="One local day: from=to=day")
    benefit: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if self.day and (self.since or self.until):
            raise ValidationFailed([FieldError(
                path="query/day", message="give day, or from and to, not both", type="conflict",
            )])  # fmt: skip
        return self

    def filter(self, today: date) -> venue.VenueFilter:
        if self.day:
            return venue.VenueFilter(self.day, self.day, self.benefit)
        until = self.until or max(today, self.since or today)
        return venue.VenueFilter(self.since or until, until, self.benefit)


class TalentVenuePageQuery(PageQuery, TalentVenueQuery):
    """A page of the venue's redemptions."""


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
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    since: date = Field(alias="from")
    until: date = Field(alias="to")
    day: date | None = Field(description="The day, when the range is one day")
    total: int = Field(description="Over the whole range, not just this page")
    totals: list[TalentDayTotal]
    items: list[TalentDayItem]
    next_cursor: str | None = Field(description="Pass as cursor= for the next page")


class TalentGateBenefits(ApiModel):
    items: list[TalentGateBenefit]


def _gate(benefit: TalentBenefit) -> TalentGateBenefit:
    return TalentGateBenefit(code=benefit.code, name_zh=benefit.name_zh, name_en=benefit.name_en)


@api.post("/api/v1/merchant/talent/redemptions", body=TalentRedeemIn, response=TalentRedeemOut,
          status=201, roles=STAFF, errors=(404, 409))  # fmt: skip
async def redeem_benefit(request: web.Request, body: TalentRedeemIn) -> TalentRedeemOut:
    """Redeem a benefit with a scanned talent card code: once per code, within the quota."""
    app, principal = request.app, request[keys.PRINCIPAL]
    cipher = app[keys.DEPS].cipher
    done = await redemptions.redeem(
        code_text=body.code, benefit_code=body.benefit,
        merchant_code=principal.organisation("merchant_staff"), staff_id=principal.resident_id,
        keyring=await app[keys.DEPS].codes.keyring(), redis=app[keys.DEPS].redis, cipher=cipher,
        now=datetime.now(UTC),
    )  # fmt: skip
    return TalentRedeemOut(
        id=str(done.redemption.id), name=done.name, tier=done.card.tier.value,
        family=done.card.kind is CardKind.FAMILY, benefit=_gate(done.benefit),
        remaining=done.remaining, redeemed_at=done.redemption.redeemed_at,
    )  # fmt: skip


@api.get("/api/v1/merchant/talent/redemptions", query=TalentVenuePageQuery,
         response=TalentDayOut, roles=STAFF, errors=(400,))  # fmt: skip
async def merchant_day(request: web.Request, query: TalentVenuePageQuery) -> TalentDayOut:
    """Your venue's redemptions over a range of days (today by default), newest first.

    With totals per benefit over the whole range; with a cursor, keep the other filters.
    """
    merchant = request[keys.PRINCIPAL].organisation("merchant_staff") or ""
    found = query.filter(local_date(datetime.now(UTC)))
    counted = await venue.totals(merchant, found)
    rows = await venue.page(merchant, found, cursor=query.cursor, limit=query.limit)
    cipher = request.app[keys.DEPS].cipher
    items = [
        TalentDayItem(id=str(r.id), benefit=r.benefit.code, tier=r.tier.value,
                      name=venue.masked(r, cipher), family=r.card.kind is CardKind.FAMILY,
                      redeemed_at=r.redeemed_at)
        for r in rows.items
    ]  # fmt: skip
    totals = [TalentDayTotal(benefit=code, redemptions=n) for code, n in sorted(counted.items())]
    return TalentDayOut(
        since=found.since, until=found.until,
        day=found.since if found.since == found.until else None, total=sum(counted.values()),
        totals=totals, items=items, next_cursor=rows.next_cursor,
    )  # fmt: skip


@api.get("/api/v1/merchant/talent/redemptions.csv", query=TalentVenueQuery, roles=STAFF,
         content_type="text/csv", errors=(400,))  # fmt: skip
async def export_venue_redemptions(request: web.Request, query: TalentVenueQuery) -> web.Response:
    """The same redemptions as CSV, oldest first (UTF-8 with BOM; names masked)."""
    merchant = request[keys.PRINCIPAL].organisation("merchant_staff") or ""
    found = query.filter(local_date(datetime.now(UTC)))
    text = await venue.export(merchant, found, request.app[keys.DEPS].cipher)
    return csv_response(text, f"talent-redemptions-{found.since}-{found.until}.csv")


@api.get("/api/v1/merchant/talent/benefits", response=TalentGateBenefits, roles=STAFF)
async def merchant_benefits(request: web.Request) -> TalentGateBenefits:
    """The benefits your venue offers (to choose from at the gate)."""
    merchant = request[keys.PRINCIPAL].organisation("merchant_staff") or ""
    rows = [b for b in await benefits.catalogue() if b.merchant.code == merchant]
    return TalentGateBenefits(items=[_gate(b) for b in rows])
