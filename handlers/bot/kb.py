"""Operators edit the chat bot's knowledge base: their version of an article wins over the file."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from aiohttp import web
from pydantic import Field

from palm import keys
from palm.api import Api, ApiModel
from palm.lists import Day, PageQuery, csv_response
from services.errors import FieldError, ValidationFailed
from services.kb import editing, errors, listing, store
from services.kb.articles import ArticleError, from_mapping

api = Api("admin")
OPERATORS = {"operator"}
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,79}")
Service = Literal["talent", "transit", "medical", "credit", "identity", "hotline", "general"]


class ArticleIn(ApiModel):
    title: str = Field(min_length=1, max_length=120)
    title_en: str = Field(default="", max_length=200)
    body: str = Field(min_length=1, max_length=5000)
    body_en: str = Field(default="", max_length=5000)
    service: Service
    source: str = Field(min_length=1, max_length=300, description="Where the rule comes from")
    keywords: list[str] = Field(default_factory=list, max_length=30)


class ArticleOut(ApiModel):
    slug: str
    title: str
    title_en: str
    body: str
    body_en: str
    service: str
    source: str
    updated: date
    keywords: list[str]
    origin: Literal["file", "edited", "operator"]
    hidden: bool = Field(description="Withdrawn: residents no longer get it")


class ArticleList(ApiModel):
    items: list[ArticleOut]
    next_cursor: str | None


class ArticleFilter(ApiModel):
    """?q=text&updated_since=YYYY-MM-DD&service=…&origin=…, all optional."""

    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="In the slug, titles, keywords or body, any case",
    )
    updated_since: Day | None = Field(default=None, description="Updated on or after this day")
    service: Service | None = None
    origin: Literal["file", "edited", "operator"] | None = None

    def filters(self) -> listing.Filters:
        return listing.Filters(self.q, self.updated_since, self.service, self.origin)


class ArticleQuery(PageQuery, ArticleFilter):
    """A page of the filtered list, most recently updated first."""


def _out(entry: store.Entry) -> ArticleOut:
    a = entry.article
    return ArticleOut(
        slug=a.slug, title=a.title, title_en=a.title_en, body=a.body, body_en=a.body_en,
        service=a.service, source=a.source, updated=a.updated, keywords=list(a.keywords),
        origin=entry.origin, hidden=entry.hidden,
    )  # fmt: skip


def _slug(request: web.Request) -> str:
    slug = request.match_info["slug"]
    if not _SLUG.fullmatch(slug):
        raise errors.invalid_slug()
    return slug


@api.get("/api/v1/admin/kb/articles", query=ArticleQuery, response=ArticleList,
         roles=OPERATORS, errors=(400,))  # fmt: skip
async def list_articles(request: web.Request, query: ArticleQuery) -> ArticleList:
    """Articles from the repository and from operators, withdrawn ones included, newest first."""
    found = await listing.page(query.filters(), query.cursor, query.limit)
    return ArticleList(items=[_out(e) for e in found.items], next_cursor=found.next_cursor)


@api.get("/api/v1/admin/kb/articles.csv", query=ArticleFilter, roles=OPERATORS,
         content_type="text/csv")  # fmt: skip
async def export_articles(request: web.Request, query: ArticleFilter) -> web.Response:
    """The filtered articles as CSV (UTF-8 with BOM), for reviewing sources and stale rules."""
    text = listing.csv_of(await listing.matching(query.filters()))
    return csv_response(text, f"kb-articles-{date.today().isoformat()}.csv")


@api.get("/api/v1/admin/kb/articles/{slug}", response=ArticleOut, roles=OPERATORS,
         errors=(400, 404))  # fmt: skip
async def get_article(request: web.Request) -> ArticleOut:
    """One article as residents get it (or would, if withdrawn)."""
    return _out(await editing.get(_slug(request)))


@api.put("/api/v1/admin/kb/articles/{slug}", body=ArticleIn, response=ArticleOut,
         roles=OPERATORS, errors=(400,))  # fmt: skip
async def put_article(request: web.Request, body: ArticleIn) -> ArticleOut:
    """Write an article (new, or an operator's version of a repository one); answers at once."""
    slug = _slug(request)
    try:
        article = from_mapping({**body.model_dump(), "slug": slug, "updated": date.today()})
    except ArticleError as exc:
        raise ValidationFailed([FieldError(path="body", message=str(exc))]) from None
    principal = request[keys.PRINCIPAL]
    return _out(await editing.save(request.app[keys.DEPS].redis, article, principal.resident_id))


@api.delete("/api/v1/admin/kb/articles/{slug}", status=204, roles=OPERATORS, errors=(400, 404))
async def withdraw_article(request: web.Request) -> None:
    """Stop answering with an article (a repository one is hidden, an operator's deleted)."""
    editor = request[keys.PRINCIPAL].resident_id
    await editing.withdraw(request.app[keys.DEPS].redis, _slug(request), editor)


@api.post("/api/v1/admin/kb/articles/{slug}/revert", response=ArticleOut, roles=OPERATORS,
          errors=(400, 404))  # fmt: skip
async def revert_article(request: web.Request) -> ArticleOut:
    """Drop operators' changes to a repository article: its file's text applies again."""
    return _out(await editing.revert(request.app[keys.DEPS].redis, _slug(request)))
