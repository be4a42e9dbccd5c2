"""A venue's redemption history: any range of local days, by benefit, paged or as CSV.

The venue sees what the gate saw: the benefit, the tier, the holder's masked name and whether
a family sub-card was used; never an ID number or a phone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.functions import Count
from tortoise.queryset import QuerySet

from models.talent.benefits import TalentRedemption
from models.talent.cards import CardKind
from services import paging
from services.privacy import FieldCipher, mask_name
from services.talent.clock import BEIJING, day_bounds

CHUNK = 500  # rows per prefetch: SQLite allows a few thousand parameters per statement
CSV_COLUMNS = ("id", "redeemed_at", "benefit", "tier", "name", "family")


@dataclass(frozen=True, slots=True)
class VenueFilter:
    since: date  # local days, both included
    until: date
    benefit: str | None = None


def _query(merchant_code: str, f: VenueFilter) -> QuerySet[TalentRedemption]:
    start, end = day_bounds(f.since)[0], day_bounds(f.until)[1]
    query = TalentRedemption.filter(
        merchant__code=merchant_code, redeemed_at__gte=start, redeemed_at__lt=end
    )
    return query.filter(benefit__code=f.benefit) if f.benefit else query


async def totals(merchant_code: str, f: VenueFilter) -> dict[str, int]:
    """Redemptions per benefit code over the whole range (not just one page)."""
    rows = await (
        _query(merchant_code, f)
        .annotate(n=Count("id"))
        .group_by("benefit__code")
        .values("benefit__code", "n")
    )
    return {row["benefit__code"]: row["n"] for row in rows}


async def page(
    merchant_code: str, f: VenueFilter, *, cursor: str | None, limit: int
) -> paging.Page[TalentRedemption]:
    """One page of the range, newest first."""
    query = _query(merchant_code, f).prefetch_related("benefit", "card")
    return await paging.page(query, cursor=cursor, limit=limit, order="redeemed_at")


def masked(row: TalentRedemption, cipher: FieldCipher) -> str:
    return mask_name(cipher.decrypt(row.card.name_enc, field="name"))


async def export(merchant_code: str, f: VenueFilter, cipher: FieldCipher) -> str:
    """Every redemption of the range as CSV, oldest first (times in Beijing time)."""
    rows = await paging.export_rows(_query(merchant_code, f), order="redeemed_at")
    for start in range(0, len(rows), CHUNK):
        await TalentRedemption.fetch_for_list(rows[start : start + CHUNK], "benefit", "card")
    return paging.csv_text(CSV_COLUMNS, _lines(rows, cipher))


def _lines(rows: Sequence[TalentRedemption], cipher: FieldCipher) -> list[list[Any]]:
    return [
        [r.id, r.redeemed_at.astimezone(BEIJING).isoformat(timespec="seconds"), r.benefit.code,
         r.tier.value, masked(r, cipher), r.card.kind is CardKind.FAMILY]
        for r in rows
    ]  # fmt: skip
