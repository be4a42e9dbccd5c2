"""The benefits catalogue (operators) and what a card may enjoy now, with what is left of quotas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models.identity.organisations import Organisation, OrganisationKind
from models.talent.benefits import QuotaPeriod, TalentBenefit, TalentQuotaUsage
from models.talent.cards import CardKind, TalentCard, TalentTier
from services import paging
from services.talent import errors
from services.talent.clock import local_date, period_key

PARTNER_KINDS = frozenset({OrganisationKind.MERCHANT, OrganisationKind.HOSPITAL})
CATALOGUE_COLUMNS = (
    "code", "name_zh", "name_en", "merchant", "tiers", "quota", "period", "family_eligible",
    "active_from", "active_until",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class BenefitTerms:
    """What an operator sets for one benefit."""

    name_zh: str
    name_en: str
    merchant: str
    tiers: frozenset[TalentTier]
    quota: int | None
    period: QuotaPeriod
    family_eligible: bool
    active_from: date
    active_until: date | None


@dataclass(frozen=True, slots=True)
class Available:
    """A benefit a card may enjoy today, and its quota in the current period."""

    benefit: TalentBenefit
    period_key: str | None
    used: int
    remaining: int | None


def is_active(benefit: TalentBenefit, today: date) -> bool:
    return benefit.active_from <= today and (
        benefit.active_until is None or today <= benefit.active_until
    )


async def catalogue() -> list[TalentBenefit]:
    return await TalentBenefit.all().prefetch_related("merchant").order_by("code")


@dataclass(frozen=True, slots=True)
class CatalogueFilter:
    merchant: str | None = None  # organisation code
    tier: TalentTier | None = None
    active_on: date | None = None  # offered on this local day


def _catalogue(f: CatalogueFilter) -> QuerySet[TalentBenefit]:
    query = TalentBenefit.all()
    if f.merchant is not None:
        query = query.filter(merchant__code=f.merchant)
    if f.tier is not None:  # stored as "gold,silver"; no tier's name is part of another's
        query = query.filter(tiers__contains=f.tier.value)
    if f.active_on is not None:
        query = query.filter(active_from__lte=f.active_on).filter(
            Q(active_until__isnull=True) | Q(active_until__gte=f.active_on)
        )
    return query


async def catalogue_page(
    f: CatalogueFilter, *, cursor: str | None, limit: int
) -> paging.Page[TalentBenefit]:
    """A page of the catalogue, by code."""
    query = _catalogue(f).prefetch_related("merchant")
    return await paging.page(query, cursor=cursor, limit=limit, order="code", newest_first=False)


async def catalogue_csv(f: CatalogueFilter) -> str:
    """The matching catalogue as CSV, by code."""
    rows = await paging.export_rows(_catalogue(f).prefetch_related("merchant"), order="code")
    lines = (
        [b.code, b.name_zh, b.name_en, b.merchant.code, b.tiers, b.quota,
         b.period.value if b.quota else None, b.family_eligible, b.active_from, b.active_until]
        for b in rows
    )  # fmt: skip
    return paging.csv_text(CATALOGUE_COLUMNS, lines)


async def get(code: str) -> TalentBenefit:
    benefit = await TalentBenefit.get_or_none(code=code).prefetch_related("merchant")
    if benefit is None:
        raise errors.benefit_not_found()
    return benefit


async def _values(terms: BenefitTerms) -> dict[str, Any]:
    merchant = await Organisation.get_or_none(code=terms.merchant)
    if merchant is None or merchant.kind not in PARTNER_KINDS:
        raise errors.partner_unknown(terms.merchant)
    if terms.active_until is not None and terms.active_until < terms.active_from:
        raise errors.benefit_dates()
    return {
        "name_zh": terms.name_zh, "name_en": terms.name_en, "merchant": merchant,
        "tiers": ",".join(sorted(t.value for t in terms.tiers)), "quota": terms.quota,
        "period": terms.period, "family_eligible": terms.family_eligible,
        "active_from": terms.active_from, "active_until": terms.active_until,
    }  # fmt: skip


async def create(code: str, terms: BenefitTerms) -> TalentBenefit:
    """Add a benefit to the catalogue; its code is how gates name it."""
    try:
        benefit = await TalentBenefit.create(code=code, **await _values(terms))
    except IntegrityError:
        raise errors.benefit_exists() from None
    return await get(benefit.code)


async def update(code: str, terms: BenefitTerms) -> TalentBenefit:
    """Change a benefit's terms; quota already used this period stays used."""
    benefit = await get(code)
    await benefit.update_from_dict(await _values(terms)).save()
    return await get(code)


async def available(card: TalentCard, now: datetime) -> list[Available]:
    """Benefits the card's tier (and kind) may use today, with this period's remaining quota."""
    today = local_date(now)
    query = TalentBenefit.filter(active_from__lte=today).filter(
        Q(active_until__isnull=True) | Q(active_until__gte=today)
    )
    if card.kind is CardKind.FAMILY:
        query = query.filter(family_eligible=True)
    rows = [
        b
        for b in await query.prefetch_related("merchant").order_by("code")
        if card.tier in b.tier_set
    ]
    keys = {b.id: period_key(b.period, now) for b in rows if b.quota is not None}
    usage = {
        (u.benefit_id, u.period_key): u.used  # type: ignore[attr-defined]
        for u in await TalentQuotaUsage.filter(
            holder_key=card.holder_key, benefit_id__in=list(keys)
        )
    }
    out = []
    for b in rows:
        key = keys.get(b.id)
        used = usage.get((b.id, key), 0) if key else 0
        out.append(Available(b, key, used, None if b.quota is None else max(0, b.quota - used)))
    return out
