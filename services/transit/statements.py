"""What a rider sees of their rides: trips page by page, and a monthly statement."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from tortoise.functions import Count, Sum

from models.transit.trips import Trip, TripStatus
from services.deps import Deps
from services.paging import Page, page
from services.transit import accounts


async def trips_page(
    deps: Deps, actor_id: uuid.UUID, member: str, *, cursor: str | None, limit: int,
    now: datetime,
) -> Page[Trip]:  # fmt: skip
    """Newest ride first (a batch uploaded late slots in by the time of the ride)."""
    account = await accounts.rider_account(deps, actor_id, member, now=now)
    return await page(Trip.filter(account_id=account.id), cursor=cursor, limit=limit,
                      order="tapped_at")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Statement:
    month: str
    trips: int
    fares_fen: int
    full_fares_fen: int  # what the same rides cost at the full fare
    paid_fen: int
    owed_fen: int
    unsettled_fen: int
    by_line: dict[str, int]


async def monthly(
    deps: Deps, actor_id: uuid.UUID, member: str, year: int, month: int, *, now: datetime
) -> Statement:
    """The rider's trips and fares of one calendar month, by status and by line."""
    account_id = (await accounts.rider_account(deps, actor_id, member, now=now)).id
    first = date(year, month, 1)
    after = date(year + month // 12, month % 12 + 1, 1)
    rows = await (
        Trip.filter(account_id=account_id, service_date__gte=first, service_date__lt=after)
        .group_by("line", "status")
        .annotate(n=Count("id"), fare=Sum("fare_fen"), base=Sum("base_fare_fen"))
        .values("line", "status", "n", "fare", "base")
    )
    by_status: dict[str, int] = {}
    by_line: dict[str, int] = {}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + int(row["fare"] or 0)
        by_line[row["line"]] = by_line.get(row["line"], 0) + int(row["n"])
    return Statement(
        month=f"{year:04d}-{month:02d}",
        trips=sum(by_line.values()),
        fares_fen=sum(by_status.values()),
        full_fares_fen=sum(int(r["base"] or 0) for r in rows),
        paid_fen=by_status.get(TripStatus.SETTLED.value, 0),
        owed_fen=by_status.get(TripStatus.FAILED.value, 0),
        unsettled_fen=by_status.get(TripStatus.UNSETTLED.value, 0),
        by_line=by_line,
    )
