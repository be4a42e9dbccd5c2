"""Operators' changes to the knowledge base: write a version of an article, withdraw, revert."""

from __future__ import annotations

import uuid
from typing import Any

from redis.asyncio import Redis
from tortoise.transactions import in_transaction

from models.bot.kb import KbArticle
from services.kb import errors, store
from services.kb.articles import Article


async def get(slug: str) -> store.Entry:
    entry = next((e for e in await store.entries() if e.article.slug == slug), None)
    if entry is None:
        raise errors.article_not_found()
    return entry


async def save(redis: Redis, article: Article, editor: uuid.UUID) -> store.Entry:
    """Store an operator's version of ``article.slug`` (new, or laid over the file's)."""
    fields: dict[str, Any] = {
        "title": article.title,
        "title_en": article.title_en,
        "body": article.body,
        "body_en": article.body_en,
        "service": article.service,
        "source": article.source,
        "keywords": list(article.keywords),
        "hidden": False,
        "edited_by": editor,
    }
    async with in_transaction():
        row = await KbArticle.filter(slug=article.slug).select_for_update().first()
        if row is None:
            await KbArticle.create(slug=article.slug, **fields)
        else:
            await row.update_from_dict(fields).save()
    await store.touched(redis)
    return await get(article.slug)


async def withdraw(redis: Redis, slug: str, editor: uuid.UUID) -> None:
    """Stop answering with ``slug``: an operator's own article goes, a file's is hidden."""
    entry = await get(slug)
    async with in_transaction():
        if entry.origin == "operator":
            await KbArticle.filter(slug=slug).delete()
        else:
            row = await KbArticle.filter(slug=slug).select_for_update().first()
            if row is None:
                a = entry.article
                await KbArticle.create(
                    slug=slug, title=a.title, title_en=a.title_en, body=a.body,
                    body_en=a.body_en, service=a.service, source=a.source,
                    keywords=list(a.keywords), hidden=True, edited_by=editor,
                )  # fmt: skip
            else:
                row.hidden, row.edited_by = True, editor
                await row.save(update_fields=["hidden", "edited_by", "edited_at"])
    await store.touched(redis)


async def revert(redis: Redis, slug: str) -> store.Entry:
    """Drop the operator's version of a file article: the repository's text applies again."""
    entry = await get(slug)
    if entry.origin == "operator":
        raise errors.article_not_found()  # nothing to go back to: withdraw it instead
    await KbArticle.filter(slug=slug).delete()
    await store.touched(redis)
    return await get(slug)
