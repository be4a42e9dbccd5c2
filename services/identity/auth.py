"""Sessions and WeChat login: opaque tokens, stored hashed in Redis with a sliding TTL.

A token is ``<resident id hex>.<256 random bits>``; Redis keeps only its SHA-256. Each
resident's sessions are indexed so that logout-everywhere, a role change or closing the account
ends all of them at once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Protocol

from redis.asyncio import Redis

from integrations.wechat.client import WeChatError
from integrations.wechat.models import WeChatSession
from models.identity.residents import Grant, Resident, ResidentStatus
from services import ratelimit
from services.identity import errors
from services.privacy import FieldCipher

_SESSION = "palm:session:"
_INDEX = "palm:sessions:"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the resident, every role they hold, and where they hold it."""

    resident_id: uuid.UUID
    roles: frozenset[str]
    session_hash: str
    organisations: dict[str, str] = field(default_factory=dict)  # role → organisation code
    language: str | None = None  # the profile's choice (zh, en); None: Accept-Language decides

    def organisation(self, role: str) -> str | None:
        return self.organisations.get(role)


class WeChatLogin(Protocol):
    async def code_to_session(self, js_code: str) -> WeChatSession: ...


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def grants_of(resident_id: uuid.UUID) -> tuple[frozenset[str], dict[str, str]]:
    """Roles (with ``operator:<scope>`` entries) and each staff role's organisation."""
    roles, orgs = {"resident"}, {}
    for grant in await Grant.filter(resident_id=resident_id).prefetch_related("organisation"):
        roles.add(str(grant.role))
        roles.update(f"{grant.role}:{scope}" for scope in filter(None, grant.scopes.split(",")))
        if grant.organisation is not None:
            orgs[str(grant.role)] = grant.organisation.code
    return frozenset(roles), orgs


async def create_session(
    redis: Redis, resident_id: uuid.UUID, ttl: int, language: str | None = None
) -> tuple[str, Principal]:
    """Start a session; return its bearer token (only its hash is stored) and the principal."""
    token = f"{resident_id.hex}.{secrets.token_urlsafe(32)}"
    roles, orgs = await grants_of(resident_id)
    payload = json.dumps({"roles": sorted(roles), "orgs": orgs, "lang": language})
    digest = _hash(token)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(_SESSION + digest, payload, ex=ttl)
        pipe.sadd(_INDEX + resident_id.hex, digest)
        pipe.expire(_INDEX + resident_id.hex, ttl)
        await pipe.execute()
    return token, Principal(resident_id, roles, digest, orgs, language)


async def authenticate(
    redis: Redis, authorization: str, ttl: int, limit: ratelimit.Limit | None = None
) -> Principal:
    """Resolve ``Authorization: Bearer <token>``, renew the session's TTL and count the request
    against the resident's rate limit, all in one round trip to Redis."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    rid_hex, dot, _ = token.partition(".")
    if scheme.lower() != "bearer" or not token:
        raise errors.auth_required()
    if not dot or len(rid_hex) != 32:
        raise errors.session_invalid()
    digest = _hash(token)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.getex(_SESSION + digest, ex=ttl)
        pipe.expire(_INDEX + rid_hex, ttl)
        window = ratelimit.count(pipe, "resident", rid_hex, limit) if limit else None
        raw, _, *counted = await pipe.execute()
    if raw is None:
        raise errors.session_invalid()
    if window is not None:
        ratelimit.enforce(window, int(counted[0]))
    data = json.loads(raw)
    return Principal(
        uuid.UUID(rid_hex), frozenset(data["roles"]), digest, data["orgs"], data.get("lang")
    )


async def set_language(redis: Redis, resident_id: uuid.UUID, language: str | None) -> None:
    """Carry a new language choice into every open session of the resident (TTLs kept)."""
    for digest in await redis.smembers(_INDEX + resident_id.hex):
        key = _SESSION + (digest.decode() if isinstance(digest, bytes) else digest)
        raw = await redis.get(key)
        if raw is not None:
            await redis.set(key, json.dumps({**json.loads(raw), "lang": language}), keepttl=True)


async def end_session(redis: Redis, principal: Principal) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(_SESSION + principal.session_hash)
        pipe.srem(_INDEX + principal.resident_id.hex, principal.session_hash)
        await pipe.execute()


async def end_all_sessions(redis: Redis, resident_id: uuid.UUID) -> None:
    """Sign the resident out everywhere (roles changed, account closed)."""
    index = _INDEX + resident_id.hex
    digests = await redis.smembers(index)
    keys = [_SESSION + (d.decode() if isinstance(d, bytes) else d) for d in digests]
    await redis.delete(index, *keys)


async def login_with_wechat(wechat: WeChatLogin, cipher: FieldCipher, js_code: str) -> Resident:
    """Exchange a wx.login code for the resident it belongs to, creating them on first login."""
    try:
        session = await wechat.code_to_session(js_code)
    except WeChatError as exc:
        raise _login_error(exc.code) from None
    resident, _ = await Resident.get_or_create(
        openid=session.openid, defaults={"unionid": session.unionid}
    )
    if resident.status == ResidentStatus.CLOSED:  # closed accounts lose their openid; defensive
        raise errors.account_closed()
    resident.session_key_enc = cipher.encrypt(session.session_key, field="session_key")
    if session.unionid and not resident.unionid:
        resident.unionid = session.unionid
    await resident.save(update_fields=["session_key_enc", "unionid", "updated_at"])
    return resident


def _login_error(errcode: int) -> Exception:
    if errcode in (40029, 40163):
        return errors.wechat_code_invalid()
    if errcode == 45011:
        return errors.wechat_rate_limited()
    if errcode == 40226:
        return errors.wechat_risky_user()
    return errors.wechat_error(errcode)
