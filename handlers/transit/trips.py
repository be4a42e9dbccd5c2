"""The rider's trips, page by page, and monthly statements."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import UTC, date, datetime

from aiohttp import web
from pydantic import Field

from handlers.transit.rider import Member, MemberQuery
from palm import keys
from palm.api import Api, ApiModel
from palm.lists import PageQuery
from services.errors import not_found
from services.transit import statements

api = Api("transit")


class TripsQuery(PageQuery):
    member: str = Member
    limit: int = Field(default=20, ge=1, le=100)


class TripOut(ApiModel):
    id: int
    line: str
    tapped_at: datetime
    service_date: date
    fare_class: str
    base_fare_fen: int
    fare_fen: int
    transfer: bool
    status: str


class TripsOut(ApiModel):
    items: list[TripOut]
    next_cursor: str | None


@api.get("/api/v1/transit/trips", query=TripsQuery, response=TripsOut, errors=(400, 404))
async def list_trips(request: web.Request, query: TripsQuery) -> TripsOut:
    """Trips, newest ride first (?cursor=<next_cursor> for the page after)."""
    page = await statements.trips_page(
        request.app[keys.DEPS], request[keys.PRINCIPAL].resident_id, query.member,
        cursor=query.cursor, limit=query.limit, now=datetime.now(UTC),
    )  # fmt: skip
    items = [TripOut(id=t.id, line=t.line, tapped_at=t.tapped_at, service_date=t.service_date,
                     fare_class=str(t.fare_class), base_fare_fen=t.base_fare_fen,
                     fare_fen=t.fare_fen, transfer=t.transfer, status=str(t.status))
             for t in page.items]  # fmt: skip
    return TripsOut(items=items, next_cursor=page.next_cursor)


class StatementOut(ApiModel):
    month: str
    trips: int
    fares_fen: int
    full_fares_fen: int
    paid_fen: int
    owed_fen: int
    unsettled_fen: int
    by_line: dict[str, int]


@api.get("/api/v1/transit/statements/{month}", query=MemberQuery, response=StatementOut,
         errors=(404,))  # fmt: skip
async def statement(request: web.Request, query: MemberQuery) -> StatementOut:
    """A month's rides and fares (month as YYYY-MM)."""
    month = request.match_info["month"]
    if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", month):
        raise not_found("No such month.")
    result = await statements.monthly(
        request.app[keys.DEPS], request[keys.PRINCIPAL].resident_id, query.member,
        int(month[:4]), int(month[5:]), now=datetime.now(UTC),
    )  # fmt: skip
    return StatementOut(**asdict(result))
