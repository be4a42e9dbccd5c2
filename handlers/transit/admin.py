"""Transit operators: trips and revenue by line and day, flagged taps, fares, runs on demand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Self

from aiohttp import web
from pydantic import Field, model_validator

from palm import keys
from palm.api import Api, ApiModel, path_uuid
from palm.lists import Day, PageQuery, csv_response
from services.transit import cards, fares, reports, runs

api = Api("admin")
TRANSIT = {"operator:transit"}
Line = Field(default=None, min_length=1, max_length=16, description="One line's code")


class PeriodQuery(ApiModel):
    """?from=&to= (service days, both included, at most a year apart)&line="""

    first: Day = Field(alias="from")
    last: Day = Field(alias="to")
    line: str | None = Line

    @model_validator(mode="after")
    def _a_real_period(self) -> Self:
        if not self.first <= self.last <= self.first + timedelta(days=366):
            raise ValueError("'to' must be on or after 'from', within a year of it")
        return self


class LinesQuery(PageQuery, PeriodQuery):
    """A page of the line-and-day report."""


class LineDay(ApiModel):
    day: date
    line: str
    trips: int
    revenue_fen: int


class LinesReport(ApiModel):
    items: list[LineDay]
    next_cursor: str | None


@api.get("/api/v1/admin/transit/lines", query=LinesQuery, response=LinesReport, roles=TRANSIT,
         errors=(400,))  # fmt: skip
async def lines_report(request: web.Request, query: LinesQuery) -> LinesReport:
    """Trips and revenue by service day and line, newest day first."""
    items, cursor = await reports.lines_page(query.first, query.last, line=query.line,
                                             cursor=query.cursor, limit=query.limit)  # fmt: skip
    return LinesReport(items=[LineDay(**item) for item in items], next_cursor=cursor)


@api.get("/api/v1/admin/transit/lines.csv", query=PeriodQuery, roles=TRANSIT,
         content_type="text/csv")  # fmt: skip
async def lines_csv(request: web.Request, query: PeriodQuery) -> web.Response:
    """The line-and-day report as CSV (UTF-8 with BOM, for spreadsheets)."""
    text = await reports.lines_csv(query.first, query.last, line=query.line)
    return csv_response(text, f"transit-lines-{query.first}-{query.last}.csv")


class FlaggedLine(ApiModel):
    line: str
    state: str = Field(description="duplicate | rejected | conflict (re-sent, other content)")
    taps: int


class FlaggedReport(ApiModel):
    items: list[FlaggedLine] = Field(description="One row per line and state: a summary")


@api.get("/api/v1/admin/transit/lines/flagged", query=PeriodQuery, response=FlaggedReport,
         roles=TRANSIT)  # fmt: skip
async def flagged_report(request: web.Request, query: PeriodQuery) -> FlaggedReport:
    """Taps of the period flagged per line: codes used twice, refused, re-sent differently."""
    rows = await reports.flagged_taps(query.first, query.last, line=query.line)
    return FlaggedReport(items=[FlaggedLine(**row) for row in rows])


@api.get("/api/v1/admin/transit/lines/flagged.csv", query=PeriodQuery, roles=TRANSIT,
         content_type="text/csv")  # fmt: skip
async def flagged_csv(request: web.Request, query: PeriodQuery) -> web.Response:
    """The flagged-taps summary as CSV."""
    text = await reports.flagged_csv(query.first, query.last, line=query.line)
    return csv_response(text, f"transit-flagged-{query.first}-{query.last}.csv")


class CardCount(ApiModel):
    kind: str
    state: str
    cards: int


class CardsSummary(ApiModel):
    items: list[CardCount] = Field(description="One row per kind and state: a summary")


@api.get("/api/v1/admin/transit/special-cards/summary", response=CardsSummary, roles=TRANSIT)
async def cards_summary(request: web.Request) -> CardsSummary:
    """Special-group cards by kind and state."""
    return CardsSummary(items=[CardCount(**row) for row in await reports.cards_by_state()])


class FareIn(ApiModel):
    fare_fen: int = Field(ge=0, le=10_000)
    effective_from: Day


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
    await cards.recheck(path_uuid(request), now=datetime.now(UTC))


class RunIn(ApiModel):
    job: str = Field(pattern="^(reverification|settlement)$")
    through: Day | None = Field(default=None, description="settlement: the last day to settle")


@api.post("/api/v1/admin/transit/runs", body=RunIn, roles=TRANSIT, status=204)
async def run_now(request: web.Request, body: RunIn) -> None:
    """Run the nightly re-verification or settlement now (queued; safe alongside the cron)."""
    await runs.run_now(body.job, through=body.through, by=request[keys.PRINCIPAL].resident_id,
                       now=datetime.now(UTC))  # fmt: skip
