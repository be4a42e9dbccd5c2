"""Operator reports: trips and revenue by line and day, flagged taps by line, cards by state.

The reports are aggregates, paged by their group key (newest day first, then line) with the
same opaque cursors as every list, and exported whole as CSV (a period is at most a year).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count, Sum

from models.transit.cards import SpecialCard
from models.transit.trips import Tap, TapConflict, TapState, Trip
from services import errors as shared
from services import paging
from services.transit.fares import WEIHAI

LINE_COLUMNS = ("day", "line", "trips", "revenue_fen")
FLAGGED_COLUMNS = ("line", "state", "taps")


def _trips(first: date, last: date, line: str | None) -> Any:
    query = Trip.filter(service_date__gte=first, service_date__lte=last)
    return query.filter(line=line) if line is not None else query


def _line_row(r: dict[str, Any]) -> dict[str, Any]:
    return {"day": r["service_date"], "line": r["line"], "trips": int(r["n"]),
            "revenue_fen": int(r["revenue"] or 0)}  # fmt: skip


async def lines_page(
    first: date, last: date, *, line: str | None, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """Per service day and line: trips (one per accepted tap) and fares, newest day first."""
    query = _trips(first, last, line)
    if cursor is not None:
        day, after = paging.decode_cursor(cursor)
        if not (isinstance(day, datetime) and isinstance(after, str)):
            raise shared.invalid_cursor()
        day = day.date()
        query = query.filter(Q(service_date__lt=day) | Q(service_date=day, line__gt=after))
    limit = max(1, min(limit, paging.MAX_LIMIT))
    rows = await (
        query.group_by("service_date", "line")
        .annotate(n=Count("id"), revenue=Sum("fare_fen"))
        .order_by("-service_date", "line").limit(limit + 1)
        .values("service_date", "line", "n", "revenue")
    )  # fmt: skip
    items = [_line_row(r) for r in rows[:limit]]
    more = len(rows) > limit
    return items, paging.encode_cursor(items[-1]["day"], items[-1]["line"]) if more else None


async def lines_csv(first: date, last: date, *, line: str | None) -> str:
    rows = await (
        _trips(first, last, line).group_by("service_date", "line")
        .annotate(n=Count("id"), revenue=Sum("fare_fen"))
        .order_by("service_date", "line").values("service_date", "line", "n", "revenue")
    )  # fmt: skip
    table = ([r["day"].isoformat(), r["line"], r["trips"], r["revenue_fen"]]
             for r in map(_line_row, rows))  # fmt: skip
    return paging.csv_text(LINE_COLUMNS, table)


async def flagged_taps(first: date, last: date, *, line: str | None = None) -> list[dict[str, Any]]:
    """Per line: taps flagged as a code used twice, refused, or re-sent with other content."""
    start = datetime.combine(first, time(), WEIHAI)
    end = datetime.combine(last + timedelta(days=1), time(), WEIHAI)
    where = Q(tapped_at__gte=start, tapped_at__lt=end) & (Q(line=line) if line else Q())
    rows = await (
        Tap.filter(where, state__in=(TapState.DUPLICATE, TapState.REJECTED))
        .group_by("line", "state").annotate(n=Count("id")).values("line", "state", "n")
    )  # fmt: skip
    conflicts = await (
        TapConflict.filter(where).group_by("line").annotate(n=Count("id")).values("line", "n")
    )
    found = [{"line": r["line"], "state": str(r["state"]), "taps": int(r["n"])} for r in rows]
    found += [{"line": r["line"], "state": "conflict", "taps": int(r["n"])} for r in conflicts]
    return sorted(found, key=lambda r: (r["line"], r["state"]))


async def flagged_csv(first: date, last: date, *, line: str | None) -> str:
    rows = await flagged_taps(first, last, line=line)
    return paging.csv_text(FLAGGED_COLUMNS, ([r[c] for c in FLAGGED_COLUMNS] for r in rows))


async def cards_by_state() -> list[dict[str, Any]]:
    rows = await (
        SpecialCard.all().group_by("kind", "state").annotate(n=Count("id"))
        .values("kind", "state", "n")
    )  # fmt: skip
    return [{"kind": str(r["kind"]), "state": str(r["state"]), "cards": int(r["n"])} for r in rows]
