"""A circuit breaker kept in Redis, so every process stops calling a failing platform at once.

Closed: calls go through; ``failures`` failures with no success between open it. Open: calls
are refused at once for ``cooldown`` seconds. Then one trial call is let through (half-open):
its success closes the circuit, its failure opens it again.

Only failures that say the platform is unhealthy count: every timeout, refused connection or
503 does, but a failure that may be of the request's own making (an HTTP 500) counts once per
*source* (who asked), so one caller repeating a request the platform chokes on cannot shut
everyone out. Refusals (4xx) never reach the breaker.
"""

from __future__ import annotations

import math
import uuid

from redis.asyncio import Redis

_PREFIX = "palm:breaker:"


class CircuitOpen(Exception):
    """The platform is being left alone; try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"circuit open, retry after {retry_after} s")
        self.retry_after = retry_after


class CircuitBreaker:
    def __init__(self, redis: Redis, name: str, *, failures: int, cooldown: int) -> None:
        self._redis = redis
        # One hash tag, ``{name}``: the three keys share a Redis Cluster slot, as the
        # transactions below need.
        self._failures_key = f"{_PREFIX}{{{name}}}:failed-by"  # a set: who met a failure
        self._open_key = f"{_PREFIX}{{{name}}}:open_until"
        self._trial_key = f"{_PREFIX}{{{name}}}:trial"
        self._threshold = failures
        self._cooldown = cooldown

    async def before_call(self, now: float) -> None:
        """Raise CircuitOpen unless a call may go out now."""
        raw = await self._redis.get(self._open_key)
        if raw is None:
            return
        open_until = float(raw)
        if now < open_until:
            raise CircuitOpen(max(1, math.ceil(open_until - now)))
        # Half-open: of all the callers noticing the cooldown is over, one makes the trial.
        if not await self._redis.set(self._trial_key, b"1", nx=True, ex=self._cooldown):
            raise CircuitOpen(max(1, self._cooldown // 2))

    async def succeeded(self) -> None:
        """A call worked: forget failures and close the circuit."""
        await self._redis.delete(self._failures_key, self._open_key, self._trial_key)

    async def failed(self, now: float, *, source: str | None = None) -> int | None:
        """A call failed; returns the seconds until a retry when this opened the circuit.

        ``source`` names who asked when the failure may be their request's doing: all of one
        source's failures count as one.
        """
        member = source if source is not None else f"~{uuid.uuid4().hex}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(self._failures_key, member)
            pipe.expire(self._failures_key, 10 * self._cooldown)
            pipe.scard(self._failures_key)
            pipe.exists(self._trial_key)
            _, _, count, trial = await pipe.execute()
        # A trial that met a sourced failure proves nothing either way: the next caller tries.
        if int(count) < self._threshold and not (trial and source is None):
            if trial:
                await self._redis.delete(self._trial_key)
            return None
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._open_key, str(now + self._cooldown), ex=100 * self._cooldown)
            pipe.delete(self._failures_key, self._trial_key)
            await pipe.execute()
        return self._cooldown
