"""Transit operators: taps and revenue by line and day, special cards, fares, runs on demand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web
from pydantic import Field, model_validator

from models.transit_cards import SpecialCard
from palm.api import Api, ApiModel, path_uuid
from services import jobs
from services.errors import NotFound
from services.transit import fares, reports

api = Api("admin")
TRANSIT = {"operator:transit"}


class PeriodQuery(ApiModel):
    first: date = Field(alias="from", ge=date(2000, 1, 1), le=date(2099, 12, 31))
    last: date = Field(alias="to", ge=date(2000, 1, 1), le=date(2099, 12, 31))

    @model_validator(mode="after")
    def _a_real_period(self) -> PeriodQuery:
        if not self.first <= self.last <= self.first + timedelta(days=366):
            raise ValueError("'to' must be on or after 'from', within a year of it")
        return self


class LinesReport(ApiModel):
    days: list[dict[str, Any]] = Field(description="line, day, trips, revenue_fen")
    flagged: list[dict[str, Any]] = Field(description="line, state (duplicate|rejected), taps")


@api.get("/api/v1/admin/transit/lines", query=PeriodQuery, response=LinesReport, roles=TRANSIT)
async def lines_report(request: web.Request, query: PeriodQuery) -> LinesReport:
    """Taps and revenue by line and day; duplicate and refused taps by line."""
    return LinesReport(days=await reports.trips_by_line_and_day(query.first, query.last),
                       flagged=await reports.flagged_taps(query.first, query.last))  # fmt: skip


class CardsReport(ApiModel):
    items: list[dict[str, Any]] = Field(description="kind, state, cards")


@api.get("/api/v1/admin/transit/special-cards", response=CardsReport, roles=TRANSIT)
async def cards_report(request: web.Request) -> CardsReport:
    """Special-group cards by kind and state."""
    return CardsReport(items=await reports.cards_by_state())


class FareIn(ApiModel):
    fare_fen: int = Field(ge=0, le=10_000)
    effective_from: date


class FareOut(ApiModel):
    line: str
    fare_fen: int
    effective_from: date


@api.put("/api/v1/admin/transit/lines/{code}/fare", body=FareIn, response=FareOut,
         roles=TRANSIT, errors=(400, 404))  # fmt: skip
async def set_fare(request: web.Request, body: FareIn) -> FareOut:
    """A line's fare from a future day on (trips already made keep their fare)."""
    code = request.match_info["code"]
    row = await fares.set_line_fare(code, body.fare_fen, body.effective_from, now=datetime.now(UTC))
    return FareOut(line=code, fare_fen=row.fare_fen, effective_from=row.effective_from)


@api.post("/api/v1/admin/transit/special-cards/{id}/recheck", roles=TRANSIT, status=204,
          errors=(404,))  # fmt: skip
async def recheck_card(request: web.Request) -> None:
    """Make a card due for re-verification now (after a complaint or a changed record)."""
    if not await SpecialCard.filter(id=path_uuid(request)).update(next_check_at=datetime.now(UTC)):
        raise NotFound("special_card_not_found", "找不到该乘车卡。", "No such card.")


class RunIn(ApiModel):
    job: str = Field(pattern="^(reverification|settlement)$")
    through: date | None = Field(default=None, description="settlement: the last day to settle")


@api.post("/api/v1/admin/transit/runs", body=RunIn, roles=TRANSIT, status=204)
async def run_now(request: web.Request, body: RunIn) -> None:
    """Run the nightly re-verification or settlement now (queued; safe alongside the cron)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    payload = {"through": body.through.isoformat()} if body.through else {}
    await jobs.add(f"transit.run.{body.job}", payload, key=f"transit-run:{body.job}:{stamp}")
