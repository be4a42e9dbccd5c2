"""Fixed-window rate limits in Redis: one round trip per check, shared by every process."""

from __future__ import annotations

import time
from dataclasses import dataclass

from redis.asyncio import Redis

from services.errors import RateLimited


@dataclass(frozen=True, slots=True)
class Limit:
    requests: int
    per_seconds: int


async def check(redis: Redis, scope: str, ident: str, limit: Limit) -> None:
    """Count one request for ``ident`` in ``scope``; raise RateLimited past the limit."""
    now = int(time.time())
    window = now - now % limit.per_seconds
    key = f"palm:rl:{scope}:{ident}:{window}"
    async with redis.pipeline(transaction=False) as pipe:
        pipe.incr(key)
        pipe.expire(key, limit.per_seconds + 1)
        count, _ = await pipe.execute()
    if int(count) > limit.requests:
        raise RateLimited(
            "rate_limited",
            "操作过于频繁，请稍后再试。",
            "Too many requests; please wait a moment and try again.",
            retry_after=max(1, window + limit.per_seconds - now),
            extra={"scope": scope},
        )
