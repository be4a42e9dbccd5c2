"""Sessions: opaque tokens kept hashed in Redis, and each process's copy of the ones it has seen.

A token is ``<resident id hex>.<256 random bits>``; Redis keeps only its SHA-256, with a
sliding TTL, and an index of each resident's sessions so that logout-everywhere, a role change
or closing the account ends all of them at once. Redis is the one truth.

So that a request need not ask Redis, each process keeps the sessions it has seen, and their
residents' masked profiles, in local copies (``services.localcopy``): ending a session, or
anything changing about a resident (all sessions ended, a role granted or withdrawn, the
account closed, the language, real name or phone changed), is announced to every process,
which drops what it kept. A kept session is asked again after ``revalidate_seconds`` (renewing
its sliding TTL then).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import uuid
from typing import Any

from redis.asyncio import Redis

from services.identity import errors
from services.identity.auth import Principal, grants_of
from services.localcopy import Changes, LocalCopy

log = logging.getLogger("palm.sessions")

# A resident's sessions and their index share a hash tag, ``{<resident hex>}``: they live in
# one Redis Cluster slot, so the transactions below that touch several of them are allowed.


def _session_key(rid_hex: str, digest: str) -> str:
    return f"palm:session:{{{rid_hex}}}:{digest}"


def _index_key(rid_hex: str) -> str:
    return f"palm:sessions:{{{rid_hex}}}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


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
        changes: Changes,
        *,
        size: int = 20_000,
        revalidate_seconds: float = 30.0,
    ) -> None:
        self.redis = redis
        self.ttl = ttl
        self.changes = changes
        self.principals: LocalCopy[Principal] = changes.copy(
            "sessions", size=size, fresh_seconds=revalidate_seconds
        )
        self.profiles: LocalCopy[Any] = changes.copy(
            "profiles", size=size, fresh_seconds=revalidate_seconds
        )
        changes.on("session", self.principals.forget)
        changes.on("resident", self.principals.forget_owner)
        changes.on("resident", self.profiles.forget_owner)

    @property
    def live(self) -> bool:
        """Subscribed to changes: what this process keeps is trusted."""
        return self.changes.live

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
            pipe.getex(_session_key(rid_hex, digest), ex=self.ttl)
            pipe.expire(_index_key(rid_hex), self.ttl)
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
            pipe.set(_session_key(resident_id.hex, digest), payload, ex=self.ttl)
            pipe.sadd(_index_key(resident_id.hex), digest)
            pipe.expire(_index_key(resident_id.hex), self.ttl)
            await pipe.execute()
        return token, Principal(resident_id, roles, digest, orgs, language)

    async def end(self, principal: Principal) -> None:
        """End one session (logout)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            rid_hex = principal.resident_id.hex
            pipe.delete(_session_key(rid_hex, principal.session_hash))
            pipe.srem(_index_key(rid_hex), principal.session_hash)
            await pipe.execute()
        # Announced after the keys are gone (a Redis Cluster refuses PUBLISH in a transaction,
        # and a process hearing it earlier could read the session back before the delete).
        await self.changes.announce(("session", principal.session_hash))
        self.changes.forget_here("session", principal.session_hash)

    async def end_all(self, resident_id: uuid.UUID) -> None:
        """Sign the resident out everywhere (logout-all, roles changed, account closed)."""
        index = _index_key(resident_id.hex)
        digests = await self.redis.smembers(index)
        keys = [_session_key(resident_id.hex, _text(d)) for d in digests]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(index, *keys)
            await pipe.execute()
        await self.changes.announce(("resident", resident_id.hex))
        self.changes.forget_here("resident", resident_id.hex)

    async def set_language(self, resident_id: uuid.UUID, language: str | None) -> None:
        """Carry a new language choice into every open session of the resident (TTLs kept)."""
        for digest in await self.redis.smembers(_index_key(resident_id.hex)):
            key = _session_key(resident_id.hex, _text(digest))
            raw = await self.redis.get(key)
            if raw is not None:
                await self.redis.set(
                    key, json.dumps({**json.loads(raw), "lang": language}), keepttl=True
                )
        await self.resident_changed(resident_id)

    async def resident_changed(self, resident_id: uuid.UUID) -> None:
        """Tell every process the resident's row changed (after it is committed): what they
        keep of the resident is dropped."""
        await self.changes.announce(("resident", resident_id.hex))
