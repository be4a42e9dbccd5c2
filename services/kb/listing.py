"""The operators' list of articles: filters, keyset pages, and the CSV a content review uses.

Articles are the repository's files merged with operators' rows, so the list is built in memory
(a few hundred at most) and paged with the shared opaque cursors: ordered by last update, newest
first, then slug, the cursor carrying the last (update, slug) pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services import errors as shared
from services.kb import store
from services.paging import MAX_LIMIT, csv_text, decode_cursor, encode_cursor

CSV_HEADER = ("slug", "title", "title_en", "service", "source", "updated", "origin", "hidden",
              "keywords", "body")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Filters:
    text: str | None = None  # in slug, titles, keywords or body, any case
    updated_since: date | None = None
    service: str | None = None
    origin: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    items: list[store.Entry]
    next_cursor: str | None


def _matches(entry: store.Entry, filters: Filters) -> bool:
    a = entry.article
    if filters.updated_since is not None and a.updated < filters.updated_since:
        return False
    if filters.service is not None and a.service != filters.service:
        return False
    if filters.origin is not None and entry.origin != filters.origin:
        return False
    if filters.text:
        haystack = " ".join((a.slug, a.title, a.title_en, a.body, a.body_en, *a.keywords))
        return filters.text.casefold() in haystack.casefold()
    return True


def _key(entry: store.Entry) -> tuple[str, str]:
    return entry.article.updated.isoformat(), entry.article.slug


async def matching(filters: Filters) -> list[store.Entry]:
    """Every article passing ``filters``, newest update first, then by slug."""
    found = [e for e in await store.entries() if _matches(e, filters)]
    found.sort(key=lambda e: e.article.slug)
    found.sort(key=lambda e: e.article.updated, reverse=True)
    return found


async def page(filters: Filters, cursor: str | None, limit: int) -> Page:
    """One page of the filtered list after ``cursor``."""
    entries = await matching(filters)
    if cursor is not None:
        updated, slug = decode_cursor(cursor)
        if not (isinstance(updated, str) and isinstance(slug, str)):
            raise shared.invalid_cursor()  # a cursor made for another list
        # Newest first, then slug ascending: "after" is an older day, or the same day, later slug.
        entries = [e for e in entries if _after(_key(e), (updated, slug))]
    limit = max(1, min(limit, MAX_LIMIT))
    if len(entries) <= limit:
        return Page(entries, None)
    shown = entries[:limit]
    return Page(shown, encode_cursor(*_key(shown[-1])))


def _after(key: tuple[str, str], last: tuple[str, str]) -> bool:
    return key[0] < last[0] or (key[0] == last[0] and key[1] > last[1])


def csv_of(entries: Sequence[store.Entry]) -> str:
    """The articles as a spreadsheet, for a periodic review of sources and stale rules."""
    rows = (
        (e.article.slug, e.article.title, e.article.title_en, e.article.service,
         e.article.source, e.article.updated.isoformat(), e.origin, "yes" if e.hidden else "no",
         ", ".join(e.article.keywords), e.article.body)
        for e in entries
    )  # fmt: skip
    return csv_text(CSV_HEADER, rows)
