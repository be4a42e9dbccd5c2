"""Operator lists of the transit service: one declaration serves a page and its CSV export.

A ``Listing`` names the query (built from the list's filters), the column it is paged by and
the columns of a row; the JSON items and the CSV lines are the same rows, so the two cannot
drift. Paging and export are ``services.paging``'s (keyset cursors, bounded exports).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any, Generic, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from services import paging
from services.transit.fares import WEIHAI

M = TypeVar("M", bound=Model)
Row = dict[str, Any]


def within_days(column: str, since: date | None, until: date | None) -> Q:
    """``column`` (a moment) on Weihai days ``since`` … ``until``, both included."""
    bounds: dict[str, Any] = {}
    if since is not None:
        bounds[f"{column}__gte"] = datetime.combine(since, time(), WEIHAI)
    if until is not None:
        bounds[f"{column}__lt"] = datetime.combine(until + timedelta(days=1), time(), WEIHAI)
    return Q(**bounds)


def given(**equal: Any) -> dict[str, Any]:
    """The equality filters a list was given (a filter left out, ``None``, selects all)."""
    return {name: value for name, value in equal.items() if value is not None}


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(WEIHAI).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


@dataclass(frozen=True, slots=True)
class Listing(Generic[M]):
    query: Callable[..., QuerySet[M]]  # keyword filters -> the rows they select
    order: str
    columns: tuple[str, ...]
    row: Callable[[M], Row]

    async def page(
        self, *, cursor: str | None, limit: int, **filters: Any
    ) -> tuple[list[Row], str | None]:
        """Newest first, ``limit`` rows after ``cursor``; and the next page's cursor."""
        found = await paging.page(
            self.query(**filters), cursor=cursor, limit=limit, order=self.order
        )
        return [self.row(item) for item in found.items], found.next_cursor

    async def csv(self, **filters: Any) -> str:
        """Every row the filters select, oldest first (a too wide range is refused)."""
        rows = await paging.export_rows(self.query(**filters), order=self.order)
        table = ([_cell(self.row(item)[name]) for name in self.columns] for item in rows)
        return paging.csv_text(self.columns, table)
