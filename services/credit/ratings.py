"""A resident's standing on the credit platform: rating (cached briefly) and the debtor list.

The rating changes rarely, so it is cached for a few minutes; the dishonest-debtor list is
asked every time, because a court can add someone today.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from integrations.base import PlatformError
from integrations.credit.models import (
    CreditIdentity,
    CreditRating,
    DebtorStatus,
    Feedback,
    FeedbackReceipt,
)
from models.credit.scenes import CreditScene, Rating

log = logging.getLogger("palm.credit")

RATING_CACHE_SECONDS = 300
_CACHE = "palm:credit:rating:"
_NONE = "-"

RANK = {rating: rank for rank, rating in enumerate(Rating)}  # 0 is best
LIMITS_FEN = {
    Rating.A_PLUS: 1_000_000,
    Rating.A: 500_000,
    Rating.B: 200_000,
    Rating.C: 0,
    Rating.D: 0,
}
"""The city-wide total a resident may have waived at once, by rating band."""


class CreditPlatform(Protocol):
    """What the waiver service needs from the public credit platform."""

    async def rating(self, identity: CreditIdentity) -> CreditRating: ...

    async def dishonest(self, identity: CreditIdentity) -> DebtorStatus: ...

    async def feedback(self, report: Feedback) -> FeedbackReceipt: ...


@dataclass(frozen=True, slots=True)
class Standing:
    rating: Rating | None  # None: never evaluated, or the platform refused to answer
    listed: bool

    def meets(self, scene: CreditScene) -> bool:
        """Whether a waiver in ``scene`` is allowed by the rating and the debtor list."""
        if self.listed and scene.debtor_blocks:
            return False
        return self.rating is not None and RANK[self.rating] <= RANK[Rating(scene.min_rating)]

    @property
    def limit_fen(self) -> int:
        return LIMITS_FEN[self.rating] if self.rating is not None else 0


async def rating_of(
    platform: CreditPlatform, redis: Redis, identity: CreditIdentity, cache_key: str
) -> Rating | None:
    """The rating band, from the cache when it was asked for in the last few minutes."""
    cached = await redis.get(_CACHE + cache_key)
    if cached is not None:
        text = cached.decode() if isinstance(cached, bytes) else str(cached)
        return None if text == _NONE else Rating(text)
    try:
        answer = await platform.rating(identity)
    except PlatformError as exc:
        log.warning("credit rating refused: %s", exc.code)
        return None  # not cached: a refusal may be fixed (a name updated) at any time
    rating = Rating(answer.rating) if answer.found and answer.rating else None
    await redis.set(_CACHE + cache_key, rating.value if rating else _NONE, ex=RATING_CACHE_SECONDS)
    return rating


async def _listed(platform: CreditPlatform, identity: CreditIdentity) -> bool:
    try:
        return (await platform.dishonest(identity)).listed
    except PlatformError as exc:
        log.warning("debtor-list check refused: %s", exc.code)
        return True  # unknown is not clean: no waiver without a clear answer


async def standing(
    platform: CreditPlatform, redis: Redis, identity: CreditIdentity, cache_key: str
) -> Standing:
    """The rating (cached) and a fresh debtor-list check, asked at the same time."""
    rating, listed = await asyncio.gather(
        rating_of(platform, redis, identity, cache_key), _listed(platform, identity)
    )
    return Standing(rating, listed)
