"""What every list endpoint shares: bounded query values, cursor paging, CSV downloads.

Bounds are part of the contract: a date outside 2000–2099 or an integer past 64 bits is a
422 at the edge, never a database overflow (a 500) or a platform's error counted against it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Self

from aiohttp import web
from pydantic import AfterValidator, Field, model_validator

from palm.api import ApiModel
from services.errors import FieldError, ValidationFailed

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
_FIRST_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)
_LAST_MOMENT = datetime(2100, 1, 1, tzinfo=UTC)
BIG_INT = 2**63 - 1


def _moment_in_range(value: datetime) -> datetime:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    if not _FIRST_MOMENT <= aware < _LAST_MOMENT:
        raise ValueError("must be between 2000-01-01 and 2099-12-31")
    return aware


Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
"""A calendar date a resident or an operator may ask about (2000-01-01 … 2099-12-31)."""
Moment = Annotated[datetime, AfterValidator(_moment_in_range)]
"""A point in time in the same years; without a zone it is taken as UTC."""
Id64 = Annotated[int, Field(ge=0, le=BIG_INT)]
"""An integer a 64-bit database column can hold."""


class PageQuery(ApiModel):
    """?cursor=<next_cursor of the page before>&limit=N (newest first)."""

    cursor: str | None = Field(default=None, min_length=1, max_length=200,
                               description="next_cursor of the previous page")  # fmt: skip
    limit: int = Field(default=50, ge=1, le=200)


class DayRange(ApiModel):
    """?from=YYYY-MM-DD&to=YYYY-MM-DD, both optional, both included (China time)."""

    since: Day | None = Field(default=None, alias="from")
    until: Day | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.since and self.until and self.since > self.until:
            raise ValidationFailed(
                [FieldError(path="query/from", message="must not be after 'to'", type="range")]
            )
        return self


class PagedDayRange(PageQuery, DayRange):
    """A page of a list filtered by dates."""


def csv_response(text: str, filename: str) -> web.Response:
    """A CSV download (UTF-8 with BOM, so spreadsheets read Chinese correctly)."""
    return web.Response(
        body=("\ufeff" + text).encode(), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )  # fmt: skip
