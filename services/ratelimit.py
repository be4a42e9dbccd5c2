"""Fixed-window rate limits in Redis, shared by every process.

A count is queued on a pipeline (``count``), so a caller can fold it into a round trip it
makes anyway (the session look-up does), then judged with ``enforce``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from services import errors


@dataclass(frozen=True, slots=True)
class Limit:
    requests: int
    per_seconds: int


@dataclass(frozen=True, slots=True)
class Window:
    scope: str
    limit: Limit
    ends_at: int


def count(pipe: Any, scope: str, ident: str, limit: Limit) -> Window:
    """Queue one request's count on ``pipe`` (two commands); read it back with ``enforce``."""
    now = int(time.time())
    start = now - now % limit.per_seconds
    key = f"palm:rl:{scope}:{ident}:{start}"
    pipe.incr(key)
    pipe.expire(key, limit.per_seconds + 1)
    return Window(scope, limit, start + limit.per_seconds)


def enforce(window: Window, counted: int) -> None:
    """Raise RateLimited when the window's count is past its limit."""
    if counted > window.limit.requests:
        raise errors.rate_limited(window.scope, max(1, window.ends_at - int(time.time())))


async def check(redis: Redis, scope: str, ident: str, limit: Limit) -> None:
    """Count one request for ``ident`` in ``scope``; raise RateLimited past the limit."""
    async with redis.pipeline(transaction=False) as pipe:
        window = count(pipe, scope, ident, limit)
        counted, _ = await pipe.execute()
    enforce(window, int(counted))
