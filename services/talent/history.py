"""Redemption history: a resident's own, and operators' CSV by month (venues: ``venue``)."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime
from typing import Any

from tortoise.functions import Count

from models.identity.organisations import Organisation
from models.talent.benefits import TalentBenefit, TalentRedemption
from services import paging
from services.talent import errors
from services.talent.clock import month_start

MAX_MONTHS = 24
CSV_COLUMNS = (
    "month", "benefit", "benefit_name", "merchant", "merchant_name", "tier", "redemptions",
)  # fmt: skip


async def for_resident(
    resident_id: uuid.UUID, *, cursor: str | None, limit: int, before: datetime | None = None
) -> paging.Page[TalentRedemption]:
    """A page of the resident's redemptions, own card and family sub-cards, newest first."""
    query = TalentRedemption.filter(card__resident_id=resident_id)
    if before is not None:
        query = query.filter(redeemed_at__lt=before)
    query = query.prefetch_related("benefit", "merchant", "card")
    return await paging.page(query, cursor=cursor, limit=limit, order="redeemed_at")


def months(first: date, last: date) -> list[tuple[int, int]]:
    """Every (year, month) from ``first`` to ``last``, both included; at most 24."""
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    if span < 1 or span > MAX_MONTHS:
        raise errors.report_range(MAX_MONTHS)
    index = first.year * 12 + first.month - 1
    return [divmod(i, 12) for i in range(index, index + span)]


async def monthly_csv(first: date, last: date) -> str:
    """Redemptions counted by month (local time), benefit and tier, as CSV for a spreadsheet."""
    counted: Counter[tuple[str, int, str]] = Counter()
    for year, month0 in months(first, last):
        start = month_start(year, month0 + 1)
        end = month_start(year + (month0 + 1) // 12, (month0 + 1) % 12 + 1)
        rows: list[dict[str, Any]] = await (
            TalentRedemption.filter(redeemed_at__gte=start, redeemed_at__lt=end)
            .annotate(n=Count("id"))
            .group_by("benefit_id", "tier")
            .values("benefit_id", "tier", "n")
        )
        for row in rows:
            counted[(f"{year}-{month0 + 1:02d}", row["benefit_id"], str(row["tier"]))] += row["n"]
    catalogue = {
        b.id: b
        for b in await TalentBenefit.filter(id__in={k[1] for k in counted}).prefetch_related(
            "merchant"
        )
    }
    table: list[list[Any]] = []
    for (month, benefit_id, tier), n in sorted(
        counted.items(), key=lambda kv: (kv[0][0], catalogue[kv[0][1]].code, kv[0][2])
    ):
        benefit = catalogue[benefit_id]
        merchant: Organisation = benefit.merchant
        table.append(
            [month, benefit.code, benefit.name_zh, merchant.code, merchant.name_zh, tier, n]
        )
    return paging.csv_text(CSV_COLUMNS, table)
