"""Operator views: taps and revenue by line and day, special-group cards by state."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise.functions import Count, Sum

from models.transit_cards import SpecialCard
from models.transit_trips import Tap, TapState, Trip
from services.transit.fares import WEIHAI


async def trips_by_line_and_day(first: date, last: date) -> list[dict[str, Any]]:
    """Per line and service day: trips (one per accepted tap) and fares."""
    rows = await (
        Trip.filter(service_date__gte=first, service_date__lte=last)
        .group_by("line", "service_date")
        .annotate(n=Count("id"), revenue=Sum("fare_fen"))
        .values("line", "service_date", "n", "revenue")
    )
    return sorted(
        ({"line": r["line"], "day": str(r["service_date"]), "trips": int(r["n"]),
          "revenue_fen": int(r["revenue"] or 0)} for r in rows),
        key=lambda r: (r["line"], r["day"]),
    )  # fmt: skip


async def flagged_taps(first: date, last: date) -> list[dict[str, Any]]:
    """Per line: taps flagged as a code used twice, or refused, in the period."""
    start = datetime.combine(first, time(), WEIHAI)
    end = datetime.combine(last + timedelta(days=1), time(), WEIHAI)
    rows = await (
        Tap.filter(tapped_at__gte=start, tapped_at__lt=end,
                   state__in=(TapState.DUPLICATE, TapState.REJECTED))
        .group_by("line", "state")
        .annotate(n=Count("id"))
        .values("line", "state", "n")
    )  # fmt: skip
    return [{"line": r["line"], "state": str(r["state"]), "taps": int(r["n"])} for r in rows]


async def cards_by_state() -> list[dict[str, Any]]:
    rows = await (
        SpecialCard.all().group_by("kind", "state").annotate(n=Count("id"))
        .values("kind", "state", "n")
    )  # fmt: skip
    return [{"kind": str(r["kind"]), "state": str(r["state"]), "cards": int(r["n"])} for r in rows]
