"""Answering a question from the knowledge base: the best article, or suggestions."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from services.kb import store
from services.kb.articles import Article
from services.kb.index import Hit

# The best article is the answer only when it scores this well and holds this share of the
# question (coverage); otherwise the bot says it does not know and offers 12345, with the top
# articles as suggestions when they cover at least SUGGEST_COVERAGE. Tuned on
# tests/bot/kb_dev.json alone; bench/kb.py measures them on the held-out and out-of-KB sets.
MIN_SCORE = 6.5
MIN_COVERAGE = 0.38
SUGGEST_COVERAGE = 0.15


@dataclass(frozen=True, slots=True)
class Answer:
    best: Article | None  # the answer, when the match is good enough
    suggestions: tuple[Article, ...]  # the next best, or the top ones when unsure


async def ask(redis: Redis, question: str, limit: int = 3) -> Answer:
    """Search the live knowledge base for ``question``."""
    return decide((await store.index(redis)).search(question, limit))


def confident(hit: Hit) -> bool:
    """Whether ``hit`` is good enough to be given as the answer."""
    return hit.score >= MIN_SCORE and hit.coverage >= MIN_COVERAGE


def decide(hits: list[Hit]) -> Answer:
    """The answer, or what to suggest when unsure (nothing when the question is unrelated)."""
    if hits and confident(hits[0]):
        return Answer(hits[0].article, tuple(h.article for h in hits[1:]))
    return Answer(None, tuple(h.article for h in hits if h.coverage >= SUGGEST_COVERAGE))


async def by_slug(redis: Redis, slug: str) -> Article | None:
    """A visible article by its slug (a resident picked a suggestion)."""
    index = await store.index(redis)
    return next((a for a in index.articles if a.slug == slug), None)
