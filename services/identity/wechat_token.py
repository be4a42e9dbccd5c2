"""The WeChat access token, refreshed in one place for every process.

Each refresh invalidates the previous token for everyone, so processes refreshing on their own
knock each other out (the 40001 loop). Here the token lives in Redis; a refresh happens under a
Redis lock, and whoever waited for the lock takes the token the holder fetched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from redis.asyncio import Redis

from integrations.wechat.client import WeChatError
from integrations.wechat.models import AccessToken

T = TypeVar("T")

_KEY = "palm:wechat:access_token"
_LOCK = "palm:wechat:access_token:lock"
_STALE_CODES = frozenset({40001, 42001})  # invalid credential, access token expired


class TokenSource(Protocol):
    async def fetch_access_token(self, *, force_refresh: bool = False) -> AccessToken: ...


class AccessTokenHolder:
    """Hands out the current token; refreshes it before expiry and once on a stale-token error."""

    def __init__(self, redis: Redis, source: TokenSource, *, margin_seconds: int = 300) -> None:
        self._redis = redis
        self._source = source
        self._margin = margin_seconds

    async def token(self) -> str:
        cached = _text(await self._redis.get(_KEY))
        return cached if cached else await self._refresh(stale=None)

    async def call(self, operation: Callable[[str], Awaitable[T]]) -> T:
        """Run ``operation(token)``, retrying once with a fresh token if WeChat says it is stale."""
        token = await self.token()
        try:
            return await operation(token)
        except WeChatError as exc:
            if exc.code not in _STALE_CODES:
                raise
        return await operation(await self._refresh(stale=token))

    async def _refresh(self, stale: str | None) -> str:
        async with self._redis.lock(_LOCK, timeout=15, blocking_timeout=15):
            cached = _text(await self._redis.get(_KEY))
            if cached and cached != stale:
                return cached  # another holder refreshed while we waited
            fresh = await self._source.fetch_access_token(force_refresh=stale is not None)
            ttl = max(60, fresh.expires_in - self._margin)
            await self._redis.set(_KEY, fresh.token, ex=ttl)
            return fresh.token


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value
