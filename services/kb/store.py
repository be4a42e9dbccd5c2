"""The live knowledge base: the repository's articles with operators' edits laid over them.

Each process keeps the index it built and a version tag; an edit stores a new tag in Redis, so
every process rebuilds on its next question. When Redis has no tag (a fresh cache), one is
derived from the edits table, so processes still agree.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache

from redis.asyncio import Redis
from tortoise.functions import Count, Max

from models.bot.kb import KbArticle
from services.kb.articles import Article, from_mapping, load_dir
from services.kb.index import Index

_VERSION = "palm:kb:version"


@dataclass(frozen=True, slots=True)
class Entry:
    """An article as operators see it: where it comes from, and whether residents see it."""

    article: Article
    origin: str  # "file", "edited" (an operator's version of a file) or "operator"
    hidden: bool


@cache
def file_articles() -> tuple[Article, ...]:
    """The articles shipped in the repository (read once: they change only with a release)."""
    return tuple(load_dir())


class _Memo:
    """The index this process built, and the version it was built for."""

    version: str | None = None
    index: Index | None = None


_memo = _Memo()


async def entries() -> list[Entry]:
    """Every article, files and edits merged, in slug order (hidden ones included)."""
    files = {a.slug: a for a in file_articles()}
    merged = {slug: Entry(a, "file", False) for slug, a in files.items()}
    for row in await KbArticle.all():
        origin = "edited" if row.slug in files else "operator"
        merged[row.slug] = Entry(_article(row), origin, row.hidden)
    return [merged[slug] for slug in sorted(merged)]


async def index(redis: Redis) -> Index:
    """The index of what residents may see, rebuilt when an operator has changed an article."""
    version = await _version(redis)
    if _memo.index is None or _memo.version != version:
        visible = [e.article for e in await entries() if not e.hidden]
        _memo.index, _memo.version = Index(visible), version
    return _memo.index


async def touched(redis: Redis) -> None:
    """Call after an edit commits: every process rebuilds before its next answer."""
    await redis.set(_VERSION, uuid.uuid4().hex)


async def _version(redis: Redis) -> str:
    raw = await redis.get(_VERSION)
    if raw is not None:
        return raw.decode() if isinstance(raw, bytes) else str(raw)
    stats = await KbArticle.annotate(n=Count("id"), last=Max("edited_at"), top=Max("id")).values(
        "n", "last", "top"
    )
    row = stats[0] if stats else {}
    derived = f"db:{row.get('n')}:{row.get('last')}:{row.get('top')}"
    await redis.set(_VERSION, derived, nx=True)
    return derived


def _article(row: KbArticle) -> Article:
    return from_mapping(
        {
            "slug": row.slug,
            "title": row.title,
            "title_en": row.title_en,
            "body": row.body,
            "body_en": row.body_en,
            "service": row.service,
            "source": row.source,
            "updated": row.edited_at.date(),
            "keywords": list(row.keywords),
        }
    )
