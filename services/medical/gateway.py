"""Asking the health platform: the encrypted cache first, then the platform behind a breaker.

A fresh cached answer is served as is. Otherwise the platform is asked; if it is down (or the
circuit is open) a cached answer of any age is served with that age, and with none the
caller gets a clear 503 with ``Retry-After``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from integrations.base import PlatformError, PlatformUnavailable
from integrations.health.client import BinaryStream, HealthClient
from services.codes.snapshot import KeyCache
from services.errors import UpstreamUnavailable
from services.medical.breaker import CircuitBreaker, CircuitOpen
from services.medical.cache import Cached, MedicalCache
from services.medical.config import MedicalConfig, from_settings
from services.privacy import FieldCipher

log = logging.getLogger("palm.medical")


@dataclass(frozen=True, slots=True)
class Answer:
    """A platform answer (JSON text) and when the platform gave it."""

    body: str
    fetched_at: datetime
    stale: bool  # served from the cache because the platform could not answer

    def age_seconds(self, now: datetime) -> int:
        return max(0, int((now - self.fetched_at).total_seconds()))


@dataclass(frozen=True, slots=True)
class Env:
    """What the medical services need from the app, and the time of the request."""

    client: HealthClient
    redis: Redis
    cipher: FieldCipher
    codes: KeyCache  # issuer key and keyring for consent codes
    config: MedicalConfig
    now: datetime

    @classmethod
    def from_deps(cls, deps: Any, now: datetime) -> Env:
        """From ``services.deps.Deps`` (settings may carry a ``medical`` configuration)."""
        config = from_settings(deps.settings)
        return cls(deps.health, deps.redis, deps.cipher, deps.codes, config, now)


class Gateway:
    """One owner's view of the platform (see ``cache``) for the length of a request."""

    def __init__(self, env: Env, owner: str) -> None:
        self.client = env.client
        self.now = env.now
        self._config = env.config
        self._cache = MedicalCache(env.redis, env.cipher, owner, env.config.keep_seconds)
        self._breaker = CircuitBreaker(
            env.redis,
            "health",
            failures=env.config.breaker_failures,
            cooldown=env.config.breaker_cooldown,
        )

    async def fetch(self, query: str, call: Callable[[], Awaitable[str]]) -> Answer:
        """The answer to ``query`` (a stable description of the call) by cache or by ``call``."""
        now = self.now.timestamp()
        cached = await self._cache.get(query)
        if cached is not None and now - cached.fetched_at < self._config.fresh_seconds:
            return Answer(cached.body, _at(cached.fetched_at), stale=False)
        try:
            await self._breaker.before_call(now)
            body = await call()
        except CircuitOpen as exc:
            return self._fallback(cached, exc.retry_after)
        except PlatformUnavailable:
            opened = await self._breaker.failed(now)
            return self._fallback(cached, opened or 10)
        except PlatformError as exc:  # a refusal we did not expect: our request is wrong
            log.error(
                "health platform refused %s: HTTP %s %s",
                query.split(":")[0],
                exc.code,
                getattr(exc, "issue", ""),
            )
            raise _unavailable(60) from None
        await self._breaker.succeeded()
        await self._cache.put(query, body, now)
        return Answer(body, self.now, stale=False)

    @asynccontextmanager
    async def binary(self, path: str) -> AsyncIterator[BinaryStream]:
        """A report file, streamed straight through: never cached, counted by the breaker."""
        now = self.now.timestamp()
        try:
            await self._breaker.before_call(now)
            async with self.client.binary(path) as stream:
                await self._breaker.succeeded()
                yield stream
        except CircuitOpen as exc:
            raise _unavailable(exc.retry_after) from None
        except PlatformUnavailable:
            raise _unavailable(await self._breaker.failed(now) or 10) from None
        except PlatformError as exc:
            log.error("health platform refused a document: HTTP %s", exc.code)
            raise _unavailable(60) from None

    @staticmethod
    def _fallback(cached: Cached | None, retry_after: int) -> Answer:
        if cached is None:
            raise _unavailable(retry_after)
        return Answer(cached.body, _at(cached.fetched_at), stale=True)


def _at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _unavailable(retry_after: int) -> UpstreamUnavailable:
    return UpstreamUnavailable(
        "health_platform_unavailable",
        "健康信息平台暂时无法访问，请稍后再试。",
        "The health information platform is not answering; please try again shortly.",
        retry_after=retry_after,
    )
