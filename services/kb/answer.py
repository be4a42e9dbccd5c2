"""Answering a question from the knowledge base: the best article, or suggestions."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from services.kb import store
from services.kb.articles import Article

# Below this BM25 score the best article is offered as a suggestion, not given as the answer
# (measured on the seeded articles: real answers score 4.6 and up, chatter below 4).
MIN_SCORE = 4.5


@dataclass(frozen=True, slots=True)
class Answer:
    best: Article | None  # the answer, when the match is good enough
    suggestions: tuple[Article, ...]  # the next best, or the top ones when unsure


async def ask(redis: Redis, question: str, limit: int = 3) -> Answer:
    """Search the live knowledge base for ``question``."""
    hits = (await store.index(redis)).search(question, limit)
    if hits and hits[0].score >= MIN_SCORE:
        return Answer(hits[0].article, tuple(h.article for h in hits[1:]))
    return Answer(None, tuple(h.article for h in hits))


async def by_slug(redis: Redis, slug: str) -> Article | None:
    """A visible article by its slug (a resident picked a suggestion)."""
    index = await store.index(redis)
    return next((a for a in index.articles if a.slug == slug), None)
