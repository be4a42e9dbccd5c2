"""Sessions: opaque tokens kept hashed in Redis, and each process's copy of the ones it has seen.

A token is ``<resident id hex>.<256 random bits>``; Redis keeps only its SHA-256, with a
sliding TTL, and an index of each resident's sessions so that logout-everywhere, a role change
or closing the account ends all of them at once. Redis is the one truth.

So that a request need not ask Redis, each process keeps the sessions it has seen
(``Sessions.authenticate``), and every change is published on one Redis channel
(``CHANNEL``) that every process listens to (``Sessions.listen``), the way Redis's own
client-side caching invalidates: ending a session, or all of a resident's (a role granted or
withdrawn, the account closed, the language changed), reaches every process as soon as the
message does. A process trusts its copy only while it is subscribed: when the subscription
breaks, the copy is dropped and every request asks Redis until the process has subscribed
again. A copy is also asked again after ``revalidate_seconds`` (the sliding TTL is renewed
then), which bounds how long anything could go unnoticed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
import time
import uuid
from collections import OrderedDict
from typing import Any, Generic, TypeVar

from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from services.identity import errors
from services.identity.auth import Principal, grants_of

log = logging.getLogger("palm.sessions")

V = TypeVar("V")

CHANNEL = "palm:sessions:changed"
_SESSION = "palm:session:"
_INDEX = "palm:sessions:"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class LocalCopy(Generic[V]):
    """What this process keeps of values whose truth is elsewhere (Redis, the database), each
    under a key and its resident: trusted only while ``live`` (subscribed to changes), kept at
    most ``size`` (least recently used first out) and ``fresh_seconds`` each.

    A value read while a change was heard is not kept (``begin`` then ``keep``): the change may
    be one the read missed.
    """

    def __init__(self, size: int, fresh_seconds: float) -> None:
        self.size = size
        self.fresh_seconds = fresh_seconds
        self.live = False
        self.hits = 0
        self._epoch = 0
        self._values: OrderedDict[str, tuple[V, str, float]] = OrderedDict()
        self._of_resident: dict[str, set[str]] = {}  # resident id hex → keys

    def get(self, key: str) -> V | None:
        if not self.live:
            return None
        found = self._values.get(key)
        if found is None or time.monotonic() - found[2] >= self.fresh_seconds:
            return None
        self._values.move_to_end(key)
        self.hits += 1
        return found[0]

    def begin(self) -> int:
        return self._epoch

    def keep(self, key: str, value: V, resident_hex: str, epoch: int) -> None:
        if not self.live or epoch != self._epoch:
            return
        self._values[key] = (value, resident_hex, time.monotonic())
        self._values.move_to_end(key)
        self._of_resident.setdefault(resident_hex, set()).add(key)
        if len(self._values) > self.size:
            oldest, (_, owner, _) = self._values.popitem(last=False)
            self._unindex(owner, oldest)

    def forget(self, key: str) -> None:
        self._epoch += 1
        found = self._values.pop(key, None)
        if found is not None:
            self._unindex(found[1], key)

    def forget_resident(self, resident_hex: str) -> None:
        self._epoch += 1
        for key in self._of_resident.pop(resident_hex, ()):
            self._values.pop(key, None)

    def drop(self) -> None:
        self.live = False
        self._epoch += 1
        self._values.clear()
        self._of_resident.clear()

    def _unindex(self, resident_hex: str, key: str) -> None:
        keys = self._of_resident.get(resident_hex)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._of_resident[resident_hex]


class Sessions:
    """The sessions of the app, over ``redis``; one per process (``Deps.sessions``).

    ``principals`` is this process's copy of sessions (by token hash); ``profiles`` of their
    residents' masked profiles (``services.identity.residents.profile``), dropped on any change
    to the resident that ``resident_changed`` announces.
    """

    def __init__(
        self,
        redis: Redis,
        ttl: int,
        *,
        size: int = 20_000,
        revalidate_seconds: float = 30.0,
    ) -> None:
        self.redis = redis
        self.ttl = ttl
        self.principals: LocalCopy[Principal] = LocalCopy(size, revalidate_seconds)
        self.profiles: LocalCopy[Any] = LocalCopy(size, revalidate_seconds)
        self.changes_heard = 0

    @property
    def live(self) -> bool:
        return self.principals.live

    # -- the request path ------------------------------------------------------------------

    async def authenticate(self, authorization: str) -> Principal:
        """Resolve ``Authorization: Bearer <token>``, from this process's copy when it can."""
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        rid_hex, dot, _ = token.partition(".")
        if scheme.lower() != "bearer" or not token:
            raise errors.auth_required()
        if not dot or len(rid_hex) != 32:
            raise errors.session_invalid()
        digest = _hash(token)
        found = self.principals.get(digest)
        if found is not None:
            return found
        epoch = self.principals.begin()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.getex(_SESSION + digest, ex=self.ttl)
            pipe.expire(_INDEX + rid_hex, self.ttl)
            raw, _ = await pipe.execute()
        if raw is None:
            self.principals.forget(digest)
            raise errors.session_invalid()
        data = json.loads(raw)
        principal = Principal(
            uuid.UUID(rid_hex), frozenset(data["roles"]), digest, data["orgs"], data.get("lang")
        )
        self.principals.keep(digest, principal, rid_hex, epoch)
        return principal

    # -- changes (each published to every process) --------------------------------------

    async def create(
        self, resident_id: uuid.UUID, language: str | None = None
    ) -> tuple[str, Principal]:
        """Start a session; return its bearer token (only its hash is stored) and principal."""
        token = f"{resident_id.hex}.{secrets.token_urlsafe(32)}"
        roles, orgs = await grants_of(resident_id)
        payload = json.dumps({"roles": sorted(roles), "orgs": orgs, "lang": language})
        digest = _hash(token)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(_SESSION + digest, payload, ex=self.ttl)
            pipe.sadd(_INDEX + resident_id.hex, digest)
            pipe.expire(_INDEX + resident_id.hex, self.ttl)
            await pipe.execute()
        return token, Principal(resident_id, roles, digest, orgs, language)

    async def end(self, principal: Principal) -> None:
        """End one session (logout)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(_SESSION + principal.session_hash)
            pipe.srem(_INDEX + principal.resident_id.hex, principal.session_hash)
            pipe.publish(CHANNEL, "s:" + principal.session_hash)
            await pipe.execute()
        # Here at once (the message reaches this process too, a moment later).
        self.principals.forget(principal.session_hash)

    async def end_all(self, resident_id: uuid.UUID) -> None:
        """Sign the resident out everywhere (logout-all, roles changed, account closed)."""
        index = _INDEX + resident_id.hex
        digests = await self.redis.smembers(index)
        keys = [_SESSION + _text(d) for d in digests]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(index, *keys)
            pipe.publish(CHANNEL, "r:" + resident_id.hex)
            await pipe.execute()
        self._forget_resident(resident_id.hex)

    async def set_language(self, resident_id: uuid.UUID, language: str | None) -> None:
        """Carry a new language choice into every open session of the resident (TTLs kept)."""
        for digest in await self.redis.smembers(_INDEX + resident_id.hex):
            key = _SESSION + _text(digest)
            raw = await self.redis.get(key)
            if raw is not None:
                await self.redis.set(
                    key, json.dumps({**json.loads(raw), "lang": language}), keepttl=True
                )
        await self.resident_changed(resident_id)

    async def resident_changed(self, resident_id: uuid.UUID) -> None:
        """Tell every process the resident's row changed (after it is committed): what they
        keep of the resident is dropped."""
        await self.redis.publish(CHANNEL, "r:" + resident_id.hex)
        self._forget_resident(resident_id.hex)

    # -- keeping the copy in step ----------------------------------------------------------

    def _forget_resident(self, rid_hex: str) -> None:
        self.principals.forget_resident(rid_hex)
        self.profiles.forget_resident(rid_hex)

    def _heard(self, data: bytes | str) -> None:
        kind, _, value = _text(data).partition(":")
        if kind == "s":
            self.principals.forget(value)
        elif kind == "r":
            self._forget_resident(value)
        else:  # a message this version does not know: trust nothing kept so far
            self._live_again()
        self.changes_heard += 1

    def _drop(self) -> None:
        self.principals.drop()
        self.profiles.drop()

    def _live_again(self) -> None:
        self._drop()  # whatever happened before we listened is unknown
        self.principals.live = self.profiles.live = True

    async def listen(self) -> None:
        """Follow ``CHANNEL`` until cancelled, resubscribing after any break (run as a task)."""
        delay = 0.1
        while True:
            pubsub = self.redis.pubsub()
            connection: Any = None
            retry = None
            try:
                await pubsub.subscribe(CHANNEL)
                # No silent reconnection under us: a break must be seen, so the copy is dropped.
                # (The connection goes back to the pool afterwards, its own retry restored.)
                connection = pubsub.connection
                retry = getattr(connection, "retry", None)
                if retry is not None:
                    connection.retry = Retry(NoBackoff(), 0)
                while True:
                    # A timeout, so that the connection's health check (a PING when idle) runs.
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        self._live_again()
                        delay = 0.1
                    elif message["type"] == "message":
                        self._heard(message["data"])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if self.live:
                    log.warning("session changes not heard (%s): asking Redis", type(exc).__name__)
            finally:
                self._drop()
                if retry is not None:
                    connection.retry = retry
                await _close(pubsub)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def _close(pubsub: object) -> None:
    with contextlib.suppress(RedisError, OSError, RuntimeError, AttributeError):
        await pubsub.aclose()  # type: ignore[attr-defined]
