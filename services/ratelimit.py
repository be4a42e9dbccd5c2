"""Fixed-window rate limits shared by every process, counted without a Redis round trip each.

Each process counts requests itself (``Limiter``) and adds its counts to Redis's shared one in
a batch every quarter of a second, reading the total back: Redis keeps one key per scope,
identity and window (``palm:rl:<scope>:<ident>:<window start>``), as before. Once a window's
known count reaches a quarter of its limit, every further request in it waits for Redis (its
count added, the total read back) before it is judged: a resident browsing normally never pays a
round trip, while the small limits (sign-in attempts, real-name checks) and anyone pushing
against a limit are counted exactly. What several processes let through between two batches is
the only slack: at most each process's share of the first quarter.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services import errors

log = logging.getLogger("palm.ratelimit")

SYNC_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class Limit:
    requests: int
    per_seconds: int


@dataclass(slots=True)
class _Count:
    """One window's count as this process knows it."""

    scope: str
    limit: Limit
    ends_at: int
    shared: int = 0  # the total in Redis when last read (our own sent counts included)
    sending: int = 0  # ours, on their way to Redis
    pending: int = 0  # ours, not sent yet

    @property
    def known(self) -> int:
        return self.shared + self.sending + self.pending


@dataclass(slots=True)
class Limiter:
    """This process's counts, sent to Redis in batches (see the module's description)."""

    redis: Redis
    sync_seconds: float = SYNC_SECONDS
    _counts: dict[str, _Count] = field(default_factory=dict)
    _dirty: set[str] = field(default_factory=set)
    _timer: asyncio.TimerHandle | None = None
    _flushing: asyncio.Task[None] | None = None
    _failing: bool = False  # the last batch failed (said once per outage)
    _swept_at: float = 0.0

    async def hit(self, scope: str, ident: str, limit: Limit) -> None:
        """Count one request for ``ident`` in ``scope``; raise RateLimited past the limit."""
        now = int(time.time())
        start = now - now % limit.per_seconds
        key = f"palm:rl:{scope}:{ident}:{start}"
        count = self._counts.get(key)
        if count is None:
            count = self._counts[key] = _Count(scope, limit, start + limit.per_seconds)
        count.pending += 1
        self._dirty.add(key)
        if count.known >= max(1, limit.requests // 4):
            await self._send([key])  # close to the limit: judge on the shared total
        else:
            self._schedule()
        if count.known > limit.requests:
            raise errors.rate_limited(scope, max(1, count.ends_at - int(time.time())))

    def _schedule(self) -> None:
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.sync_seconds, self._flush_soon)

    def _flush_soon(self) -> None:
        self._timer = None
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self.flush())
        else:
            self._schedule()

    async def flush(self) -> None:
        """Send every waiting count now (the timer's job; also at shutdown)."""
        keys, self._dirty = list(self._dirty), set()
        try:
            await self._send(keys)
        except (RedisError, OSError) as exc:  # kept as pending: the next batch carries them
            if not self._failing:
                log.warning("rate-limit counts not sent to Redis: %s", type(exc).__name__)
            self._failing = True
            self._schedule()
        else:
            self._failing = False
        self._forget_ended()

    async def _send(self, keys: list[str]) -> None:
        # Each send carries its own amounts: sends for one window may overlap (concurrent
        # requests near a limit), and their replies may come back in any order.
        batch = [
            (key, count, count.pending)
            for key in keys
            if (count := self._counts.get(key)) is not None and count.pending
        ]
        if not batch:
            return
        for key, count, amount in batch:
            count.sending += amount
            count.pending = 0
            self._dirty.discard(key)
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for key, count, amount in batch:
                    pipe.incrby(key, amount)
                    pipe.expire(key, count.limit.per_seconds + 1)
                replies = await pipe.execute()
        except BaseException:
            for key, count, amount in batch:  # not counted in Redis: pending again
                count.sending -= amount
                count.pending += amount
                self._dirty.add(key)
            raise
        for (_, count, amount), total in zip(batch, replies[::2], strict=True):
            count.sending -= amount
            count.shared = max(count.shared, int(total))  # a window's total only grows

    def _forget_ended(self) -> None:
        now = time.time()
        if now - self._swept_at < 1.0:
            return
        self._swept_at = now
        for key in [k for k, c in self._counts.items() if c.ends_at < now and k not in self._dirty]:
            del self._counts[key]

    async def close(self) -> None:
        """Send what is left (an orderly stop); a Redis that is gone loses it."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._flushing is not None:
            with contextlib.suppress(Exception):
                await self._flushing
        with contextlib.suppress(RedisError, OSError):
            await self.flush()
