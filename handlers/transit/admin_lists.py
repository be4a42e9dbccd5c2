"""Transit operators' lists: special cards (the review queue), re-verification runs and their
results, riders in arrears. Each is paged by cursor, filtered, and exported as CSV.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from aiohttp import web
from pydantic import Field

from models.transit.accounts import AccountStatus, PaymentMethod
from models.transit.cards import CardKind, CardState, CheckOutcome, RunStatus
from palm.api import Api, ApiModel
from palm.lists import BIG_INT, Day, DayRange, Id64, PageQuery, csv_response
from services.transit import registers, runs
from services.transit.listing import Listing

api = Api("admin")
TRANSIT = {"operator:transit"}


P = TypeVar("P", bound=ApiModel)


async def listed(listing: Listing[Any], query: PageQuery, page: type[P]) -> P:
    """A page of ``listing`` selected by the query's filters, as the ``page`` model."""
    filters = query.model_dump(exclude={"cursor", "limit"})
    items, cursor = await listing.page(cursor=query.cursor, limit=query.limit, **filters)
    return page.model_validate({"items": items, "next_cursor": cursor})


async def exported(listing: Listing[Any], query: ApiModel, filename: str) -> web.Response:
    """Every row of ``listing`` the query's filters select, as a CSV download."""
    return csv_response(await listing.csv(**query.model_dump()), filename)


class CardFilter(DayRange):
    """from/to: when the card was granted."""

    state: CardState | None = None
    kind: CardKind | None = None
    due_by: Day | None = Field(default=None, description="re-verification due on or before")


class CardsQuery(PageQuery, CardFilter):
    """A page of cards, newest first."""


class CardRow(ApiModel):
    id: str
    account: str
    kind: CardKind
    state: CardState
    fare_class: str
    valid_until: date
    next_check_at: datetime
    checked_at: datetime | None
    certificate_issuer_code: str | None
    certificate_valid_until: date | None
    created_at: datetime


class CardsPage(ApiModel):
    items: list[CardRow]
    next_cursor: str | None


@api.get("/api/v1/admin/transit/special-cards", query=CardsQuery, response=CardsPage,
         roles=TRANSIT, errors=(400,))  # fmt: skip
async def list_cards(request: web.Request, query: CardsQuery) -> CardsPage:
    """Special-group cards (state=review: the in-person queue), newest first."""
    return await listed(registers.CARDS, query, CardsPage)


@api.get("/api/v1/admin/transit/special-cards.csv", query=CardFilter, roles=TRANSIT,
         content_type="text/csv", errors=(400,))  # fmt: skip
async def cards_csv(request: web.Request, query: CardFilter) -> web.Response:
    """The same cards as CSV (UTF-8 with BOM)."""
    return await exported(registers.CARDS, query, "transit-cards.csv")


class RunFilter(DayRange):
    """from/to: when the run started."""

    status: RunStatus | None = None


class RunsQuery(PageQuery, RunFilter):
    """A page of runs, newest first."""


class RunRow(ApiModel):
    id: int
    trigger: str = Field(description="schedule | operator")
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    checked: int
    renewed: int
    downgraded: int
    suspended: int
    in_person: int
    postponed: int = Field(description="爱山东 did not answer: due again at the next run")


class RunsPage(ApiModel):
    items: list[RunRow]
    next_cursor: str | None


@api.get("/api/v1/admin/transit/reverification-runs", query=RunsQuery, response=RunsPage,
         roles=TRANSIT, errors=(400,))  # fmt: skip
async def list_runs(request: web.Request, query: RunsQuery) -> RunsPage:
    """Re-verification runs (nightly and on demand) with their counts, newest first."""
    return await listed(runs.RUNS, query, RunsPage)


@api.get("/api/v1/admin/transit/reverification-runs.csv", query=RunFilter, roles=TRANSIT,
         content_type="text/csv", errors=(400,))  # fmt: skip
async def runs_csv(request: web.Request, query: RunFilter) -> web.Response:
    """The same runs as CSV."""
    return await exported(runs.RUNS, query, "transit-reverification-runs.csv")


class CheckFilter(DayRange):
    """from/to: when the card was checked."""

    run: Id64 | None = Field(default=None, description="one run's results")
    outcome: CheckOutcome | None = None
    kind: CardKind | None = None


class ChecksQuery(PageQuery, CheckFilter):
    """A page of results, newest first."""


class CheckRow(ApiModel):
    id: int
    run: int
    card: str
    account: str
    kind: CardKind
    outcome: CheckOutcome
    state: CardState = Field(description="the card's state now")
    valid_until: date | None
    checked_at: datetime


class ChecksPage(ApiModel):
    items: list[CheckRow]
    next_cursor: str | None


@api.get("/api/v1/admin/transit/reverification-results", query=ChecksQuery,
         response=ChecksPage, roles=TRANSIT, errors=(400,))  # fmt: skip
async def list_checks(request: web.Request, query: ChecksQuery) -> ChecksPage:
    """What each run decided per card (run=<id> for one run), newest first."""
    return await listed(runs.CHECKS, query, ChecksPage)


@api.get("/api/v1/admin/transit/reverification-results.csv", query=CheckFilter,
         roles=TRANSIT, content_type="text/csv", errors=(400,))  # fmt: skip
async def checks_csv(request: web.Request, query: CheckFilter) -> web.Response:
    """The same results as CSV."""
    return await exported(runs.CHECKS, query, "transit-reverification-results.csv")


class ArrearsFilter(DayRange):
    """from/to: when the account last changed (a fare added, a payment made)."""

    status: AccountStatus | None = None
    payment_method: PaymentMethod | None = None
    min_fen: int = Field(default=1, ge=1, le=BIG_INT, description="owing at least this much")


class ArrearsQuery(PageQuery, ArrearsFilter):
    """A page of accounts in arrears, most recently changed first."""


class ArrearsRow(ApiModel):
    account: str
    status: AccountStatus
    payment_method: PaymentMethod
    arrears_fen: int
    balance_fen: int
    changed_at: datetime
    opened_at: datetime


class ArrearsPage(ApiModel):
    items: list[ArrearsRow]
    next_cursor: str | None


@api.get("/api/v1/admin/transit/arrears", query=ArrearsQuery, response=ArrearsPage,
         roles=TRANSIT, errors=(400,))  # fmt: skip
async def list_arrears(request: web.Request, query: ArrearsQuery) -> ArrearsPage:
    """Ride accounts that owe fares (their codes are refused until paid)."""
    return await listed(registers.ARREARS, query, ArrearsPage)


@api.get("/api/v1/admin/transit/arrears.csv", query=ArrearsFilter, roles=TRANSIT,
         content_type="text/csv", errors=(400,))  # fmt: skip
async def arrears_csv(request: web.Request, query: ArrearsFilter) -> web.Response:
    """The same accounts as CSV."""
    return await exported(registers.ARREARS, query, "transit-arrears.csv")
