"""Talent office operators: tier rules, the benefits catalogue, reports, the policy scan."""

from __future__ import annotations

from datetime import date, datetime

from aiohttp import web
from pydantic import Field

from models.talent.benefits import QuotaPeriod, TalentBenefit
from models.talent.cards import TalentTier, TierRule
from palm import keys
from palm.api import Api, ApiModel, path_code
from palm.lists import Day, PageQuery, csv_response
from services.talent import benefits, history, policy, rules

api = Api("admin")
TALENT = {"operator:talent"}
MONTH = r"^20\d{2}-(0[1-9]|1[0-2])$"


class TalentRuleIn(ApiModel):
    tier: TalentTier
    family_cards: int = Field(ge=0, le=10)
    max_years: int = Field(ge=1, le=rules.MAX_YEARS)


class TalentRuleOut(TalentRuleIn):
    talent_class: str
    updated_at: datetime


class TalentRuleList(ApiModel):
    items: list[TalentRuleOut]


class TalentBenefitTermsIn(ApiModel):
    name_zh: str = Field(min_length=1, max_length=60)
    name_en: str = Field(min_length=1, max_length=120)
    merchant: str = Field(min_length=1, max_length=64, description="Partner organisation code")
    tiers: list[TalentTier] = Field(min_length=1, max_length=3)
    quota: int | None = Field(default=None, ge=1, le=10_000, description="None: no limit")
    period: QuotaPeriod = QuotaPeriod.YEAR
    family_eligible: bool = False
    active_from: date
    active_until: date | None = None


class TalentBenefitIn(TalentBenefitTermsIn):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="Named at the gate")


class TalentBenefitOut(TalentBenefitIn):
    pass


class TalentBenefitList(ApiModel):
    items: list[TalentBenefitOut]
    next_cursor: str | None = Field(description="Pass as cursor= for the next page")


class TalentCatalogueQuery(ApiModel):
    merchant: str | None = Field(default=None, min_length=1, max_length=64,
                                 description="Partner organisation code")  # fmt: skip
    tier: TalentTier | None = None
    active_on: Day | None = Field(default=None, description="Offered on this local day")

    def filter(self) -> benefits.CatalogueFilter:
        return benefits.CatalogueFilter(self.merchant, self.tier, self.active_on)


class TalentCataloguePageQuery(PageQuery, TalentCatalogueQuery):
    """A page of the catalogue, by code."""


class TalentReportQuery(ApiModel):
    from_month: str = Field(pattern=MONTH, description="YYYY-MM, Beijing time")
    to_month: str = Field(pattern=MONTH, description="YYYY-MM, at most 24 months on")


class TalentScanQueued(ApiModel):
    queued: bool


def _rule(row: TierRule) -> TalentRuleOut:
    return TalentRuleOut(
        talent_class=row.talent_class, tier=row.tier, family_cards=row.family_cards,
        max_years=row.max_years, updated_at=row.updated_at,
    )  # fmt: skip


def _benefit(row: TalentBenefit) -> TalentBenefitOut:
    return TalentBenefitOut(
        code=row.code, name_zh=row.name_zh, name_en=row.name_en, merchant=row.merchant.code,
        tiers=sorted(row.tier_set, key=lambda t: -t.rank), quota=row.quota, period=row.period,
        family_eligible=row.family_eligible, active_from=row.active_from,
        active_until=row.active_until,
    )  # fmt: skip


def _terms(body: TalentBenefitTermsIn) -> benefits.BenefitTerms:
    return benefits.BenefitTerms(
        name_zh=body.name_zh, name_en=body.name_en, merchant=body.merchant,
        tiers=frozenset(body.tiers), quota=body.quota, period=body.period,
        family_eligible=body.family_eligible, active_from=body.active_from,
        active_until=body.active_until,
    )  # fmt: skip


@api.get("/api/v1/admin/talent/rules", response=TalentRuleList, roles=TALENT)
async def list_tier_rules(request: web.Request) -> TalentRuleList:
    """The tier rules: talent class → tier, family sub-cards, longest validity in years."""
    return TalentRuleList(items=[_rule(row) for row in await rules.all_rules()])


@api.put("/api/v1/admin/talent/rules/{talent_class}", body=TalentRuleIn, response=TalentRuleOut,
         roles=TALENT, errors=(400,))  # fmt: skip
async def update_tier_rule(request: web.Request, body: TalentRuleIn) -> TalentRuleOut:
    """Change one class's rule; cards already issued keep their tier until renewed."""
    talent_class = path_code(request, "talent_class", max_length=16)
    row = await rules.update(
        talent_class, tier=body.tier, family_cards=body.family_cards, max_years=body.max_years,
        editor=request[keys.PRINCIPAL].resident_id,
    )  # fmt: skip
    return _rule(row)


@api.get("/api/v1/admin/talent/benefits", query=TalentCataloguePageQuery,
         response=TalentBenefitList, roles=TALENT, errors=(400,))  # fmt: skip
async def list_talent_benefits(
    request: web.Request, query: TalentCataloguePageQuery
) -> TalentBenefitList:
    """The benefits catalogue, by code; by partner, tier or a day it is offered."""
    found = await benefits.catalogue_page(query.filter(), cursor=query.cursor, limit=query.limit)
    return TalentBenefitList(items=[_benefit(row) for row in found.items],
                             next_cursor=found.next_cursor)  # fmt: skip


@api.get("/api/v1/admin/talent/benefits.csv", query=TalentCatalogueQuery, roles=TALENT,
         content_type="text/csv")  # fmt: skip
async def export_talent_benefits(request: web.Request, query: TalentCatalogueQuery) -> web.Response:
    """The same catalogue as CSV (UTF-8 with BOM)."""
    return csv_response(await benefits.catalogue_csv(query.filter()), "talent-benefits.csv")


@api.post("/api/v1/admin/talent/benefits", body=TalentBenefitIn, response=TalentBenefitOut,
          status=201, roles=TALENT, errors=(409,))  # fmt: skip
async def create_talent_benefit(request: web.Request, body: TalentBenefitIn) -> TalentBenefitOut:
    """Add a benefit: partner merchant, eligible tiers, quota per period, dates."""
    return _benefit(await benefits.create(body.code, _terms(body)))


@api.put("/api/v1/admin/talent/benefits/{code}", body=TalentBenefitTermsIn,
         response=TalentBenefitOut, roles=TALENT)  # fmt: skip
async def update_talent_benefit(
    request: web.Request, body: TalentBenefitTermsIn
) -> TalentBenefitOut:
    """Change a benefit's terms; quota already used this period stays used."""
    return _benefit(await benefits.update(path_code(request, "code"), _terms(body)))


@api.get("/api/v1/admin/talent/redemptions.csv", query=TalentReportQuery, roles=TALENT,
         content_type="text/csv", errors=(400,))  # fmt: skip
async def export_redemptions(request: web.Request, query: TalentReportQuery) -> web.Response:
    """Redemptions by month, benefit and tier, as CSV (UTF-8 with BOM, for spreadsheets)."""
    first = date.fromisoformat(query.from_month + "-01")
    last = date.fromisoformat(query.to_month + "-01")
    text = await history.monthly_csv(first, last)
    name = f"talent-redemptions-{query.from_month}-{query.to_month}.csv"
    return csv_response(text, name)


@api.post("/api/v1/admin/talent/policy-scan", response=TalentScanQueued, status=202, roles=TALENT)
async def request_policy_scan(request: web.Request) -> TalentScanQueued:
    """Scan the talent platform's new qualifications now and tell whoever they make eligible."""
    await policy.request_scan()
    return TalentScanQueued(queued=True)
