"""Asking the health platform: the encrypted cache first, then the platform behind a breaker.

A fresh cached answer is served as is. Otherwise the platform is asked; if it is down (or the
circuit is open) a cached answer of any age is served with that age, and with none the
caller gets a clear 503 with ``Retry-After``. A search the platform refuses as invalid is the
caller's bad request (400), and like every refusal it never counts against the breaker.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis

from integrations.base import PlatformError, PlatformUnavailable
from integrations.health.client import BinaryStream, HealthClient, HealthServerError
from services.codes.snapshot import KeyCache
from services.deps import Deps
from services.localcopy import Changes
from services.medical import accesslog, errors
from services.medical.access_writer import AccessWriter
from services.medical.breaker import CircuitBreaker, CircuitOpen
from services.medical.cache import Cached, MedicalCache, answers_copy
from services.medical.config import MedicalConfig
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
    caller: str = ""  # who is asking (a resident id): what the breaker counts a 500 against
    access_log: AccessWriter | None = None  # None: each read's entry in a transaction of its own
    changes: Changes | None = None  # None: no copies kept in this process

    async def log_access(self, access: accesslog.Access) -> None:
        """Put a read in the patient's access log, before the answer leaves (standalone reads
        only: an entry that must commit with another change uses ``accesslog.append``)."""
        if self.access_log is None:
            await accesslog.append(self.cipher, access, now=self.now)
        else:
            await self.access_log.append(access, now=self.now)

    @classmethod
    def from_deps(cls, deps: Deps, now: datetime, caller: str = "") -> Env:
        """From the app's resources and its ``medical`` settings."""
        config = deps.settings.medical
        return cls(
            deps.health, deps.redis, deps.cipher, deps.codes, config, now, caller,
            deps.access_log, deps.changes,
        )  # fmt: skip


class Gateway:
    """One owner's view of the platform (see ``cache``) for the length of a request."""

    def __init__(self, env: Env, owner: str) -> None:
        self.client = env.client
        self.now = env.now
        self._caller = env.caller
        self._config = env.config
        copy = answers_copy(env.changes, env.config.fresh_seconds) if env.changes else None
        self._cache = MedicalCache(env.redis, env.cipher, owner, env.config.keep_seconds, copy)
        self._breaker = CircuitBreaker(
            env.redis,
            "health",
            failures=env.config.breaker_failures,
            cooldown=env.config.breaker_cooldown,
        )

    async def fetch(
        self, query: str, call: Callable[[], Awaitable[str]], *, caller_query: bool = False
    ) -> Answer:
        """The answer to ``query`` (a stable description of the call) by cache or by ``call``.

        ``caller_query``: the call carries the caller's own filters, so a platform refusing
        them as invalid is the caller's 400; otherwise a refusal means our request is wrong.
        """
        now = self.now.timestamp()
        cached = await self._cache.get(query)
        if cached is not None and now - cached.fetched_at < self._config.fresh_seconds:
            return Answer(cached.body, _at(cached.fetched_at), stale=False)
        try:
            await self._breaker.before_call(now)
            body = await call()
        except CircuitOpen as exc:
            return self._fallback(cached, exc.retry_after)
        except PlatformUnavailable as exc:
            opened = await self._breaker.failed(now, source=self._source(exc))
            return self._fallback(cached, opened or 10)
        except PlatformError as exc:
            raise _refused(query, exc, caller_query) from None
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
            raise errors.platform_unavailable(exc.retry_after) from None
        except PlatformUnavailable as exc:
            opened = await self._breaker.failed(now, source=self._source(exc))
            raise errors.platform_unavailable(opened or 10) from None
        except PlatformError as exc:
            raise _refused("document", exc, False) from None

    def _source(self, failure: PlatformUnavailable) -> str | None:
        """Who the failure is counted against, when it may be their request's doing."""
        return self._caller if isinstance(failure, HealthServerError) else None

    @staticmethod
    def _fallback(cached: Cached | None, retry_after: int) -> Answer:
        if cached is None:
            raise errors.platform_unavailable(retry_after)
        return Answer(cached.body, _at(cached.fetched_at), stale=True)


def _at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _refused(query: str, exc: PlatformError, caller_query: bool) -> Exception:
    if caller_query and exc.code in (400, 422):
        return errors.records_query_rejected()
    # A refusal we did not expect: our request is wrong (logged; never counted as an outage).
    issue = getattr(exc, "issue", "")
    log.error("health platform refused %s: HTTP %s %s", query.split(":")[0], exc.code, issue)
    return errors.platform_unavailable(60)
