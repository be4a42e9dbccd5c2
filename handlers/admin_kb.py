"""Operators edit the chat bot's knowledge base: their version of an article wins over the file."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from aiohttp import web
from pydantic import Field

from palm import keys
from palm.api import Api, ApiModel
from services.errors import FieldError, InvalidInput, ValidationFailed
from services.kb import editing, store
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
        raise InvalidInput("invalid_slug", "文章标识只能含小写字母、数字和连字符。",
                           "A slug has lower-case letters, digits and hyphens only.")  # fmt: skip
    return slug


@api.get("/api/v1/admin/kb/articles", response=ArticleList, roles=OPERATORS)
async def list_articles(request: web.Request) -> ArticleList:
    """Every article, from the repository and from operators, withdrawn ones included."""
    return ArticleList(items=[_out(e) for e in await store.entries()])


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
    return _out(await editing.save(request.app[keys.REDIS], article, principal.resident_id))


@api.delete("/api/v1/admin/kb/articles/{slug}", status=204, roles=OPERATORS, errors=(400, 404))
async def withdraw_article(request: web.Request) -> None:
    """Stop answering with an article (a repository one is hidden, an operator's deleted)."""
    editor = request[keys.PRINCIPAL].resident_id
    await editing.withdraw(request.app[keys.REDIS], _slug(request), editor)


@api.post("/api/v1/admin/kb/articles/{slug}/revert", response=ArticleOut, roles=OPERATORS,
          errors=(400, 404))  # fmt: skip
async def revert_article(request: web.Request) -> ArticleOut:
    """Drop operators' changes to a repository article: its file's text applies again."""
    return _out(await editing.revert(request.app[keys.REDIS], _slug(request)))
