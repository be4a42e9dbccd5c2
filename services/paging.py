"""Keyset paging for every list: stable under inserts, one indexed range scan per page.

A page is ordered by one column (newest first by default) and the primary key as a tie
breaker; the cursor carries the last row's pair, opaque to clients (URL-safe base64 of JSON).
Offsets are not offered: they rescan skipped rows and shift when rows arrive between pages.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Generic, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from services import errors

M = TypeVar("M", bound=Model)
MAX_LIMIT = 200
EXPORT_ROWS = 100_000  # one CSV export at most; a wider range is refused, not cut silently


@dataclass(frozen=True, slots=True)
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return ["t", value.isoformat()]
    if isinstance(value, uuid.UUID):
        return ["u", value.hex]
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, list) and len(value) == 2 and value[0] in ("t", "u"):
        kind, text = value
        return datetime.fromisoformat(text) if kind == "t" else uuid.UUID(text)
    return value


def encode_cursor(order_value: Any, pk: Any) -> str:
    raw = json.dumps([_plain(order_value), _plain(pk)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> tuple[Any, Any]:
    """The (order value, primary key) a cursor carries; 400 invalid_cursor for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        order_value, pk = json.loads(raw)
        order_value, pk = _typed(order_value), _typed(pk)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise errors.invalid_cursor() from None
    for part in (order_value, pk):
        if isinstance(part, int) and not -(2**63) <= part < 2**63:
            raise errors.invalid_cursor()
        if not isinstance(part, int | str | datetime | uuid.UUID) or isinstance(part, bool):
            raise errors.invalid_cursor()
    return order_value, pk


async def page(
    query: QuerySet[M],
    *,
    cursor: str | None,
    limit: int,
    order: str = "created_at",
    newest_first: bool = True,
) -> Page[M]:
    """One page of ``query`` after ``cursor``, ordered by ``order`` then the primary key."""
    limit = max(1, min(limit, MAX_LIMIT))
    pk = query.model._meta.pk_attr
    if cursor is not None:
        value, last = decode_cursor(cursor)
        if not (_fits(query.model, order, value) and _fits(query.model, pk, last)):
            # a cursor made for another list: the database would refuse it
            raise errors.invalid_cursor()
        after = "lt" if newest_first else "gt"
        try:
            query = query.filter(
                Q(**{f"{order}__{after}": value}) | Q(**{order: value, f"{pk}__{after}": last})
            )
        except (ValueError, TypeError):  # a cursor made for another list
            raise errors.invalid_cursor() from None
    sign = "-" if newest_first else ""
    rows = await query.order_by(f"{sign}{order}", f"{sign}{pk}").limit(limit + 1)
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    last_row = rows[-1]
    return Page(rows, encode_cursor(getattr(last_row, order), getattr(last_row, pk)))


def _fits(model: type[Model], name: str, value: Any) -> bool:
    kind = getattr(model._meta.fields_map.get(name), "field_type", None)
    return not isinstance(kind, type) or issubclass(kind, Enum) or isinstance(value, kind)


async def export_rows(query: QuerySet[M], *, order: str = "created_at") -> list[M]:
    """Every row of an export, oldest first; more than EXPORT_ROWS is refused."""
    rows = await query.order_by(order, query.model._meta.pk_attr).limit(EXPORT_ROWS + 1)
    if len(rows) > EXPORT_ROWS:
        raise errors.export_too_large(EXPORT_ROWS)
    return rows


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV for a spreadsheet: CRLF lines, formula-looking cells neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV injection) in text people typed."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
