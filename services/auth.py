"""Sessions and WeChat login: opaque tokens, stored hashed in Redis with a sliding TTL."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from integrations.wechat.client import WeChatError
from integrations.wechat.models import WeChatSession
from models.residents import Grant, Resident, ResidentStatus
from services.errors import (
    InvalidInput,
    PermissionDenied,
    RateLimited,
    Unauthenticated,
    UpstreamUnavailable,
)
from services.privacy import FieldCipher

_SESSION_PREFIX = "palm:session:"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the resident, and every role they hold."""

    resident_id: uuid.UUID
    roles: frozenset[str]
    session_hash: str


class WeChatLogin(Protocol):
    async def code_to_session(self, js_code: str) -> WeChatSession: ...


def _session_key(token: str) -> tuple[str, str]:
    digest = hashlib.sha256(token.encode()).hexdigest()
    return digest, _SESSION_PREFIX + digest


async def roles_of(resident: Resident) -> frozenset[str]:
    grants = await Grant.filter(resident_id=resident.id).values_list("role", flat=True)
    return frozenset({"resident", *(str(role) for role in grants)})


async def create_session(redis: Redis, resident: Resident, ttl: int) -> str:
    """Start a session and return its bearer token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    _, key = _session_key(token)
    payload = {"rid": str(resident.id), "roles": sorted(await roles_of(resident))}
    await redis.set(key, json.dumps(payload), ex=ttl)
    return token


async def authenticate(redis: Redis, authorization: str, ttl: int) -> Principal:
    """Resolve ``Authorization: Bearer <token>`` and renew the session's TTL."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "auth_required", "请先登录。", "Sign in first: send 'Authorization: Bearer <token>'."
        )
    digest, key = _session_key(token.strip())
    raw = await redis.getex(key, ex=ttl)
    if raw is None:
        raise Unauthenticated(
            "session_invalid", "登录已失效，请重新登录。", "Your session has ended; sign in again."
        )
    data = json.loads(raw)
    return Principal(uuid.UUID(data["rid"]), frozenset(data["roles"]), digest)


async def end_session(redis: Redis, principal: Principal) -> None:
    await redis.delete(_SESSION_PREFIX + principal.session_hash)


async def login_with_wechat(wechat: WeChatLogin, cipher: FieldCipher, js_code: str) -> Resident:
    """Exchange a wx.login code for the resident it belongs to, creating them on first login."""
    try:
        session = await wechat.code_to_session(js_code)
    except WeChatError as exc:
        raise _login_error(exc.code) from None
    resident, _ = await Resident.get_or_create(
        openid=session.openid, defaults={"unionid": session.unionid}
    )
    if resident.status == ResidentStatus.CLOSED:
        raise PermissionDenied("account_closed", "该账户已注销。", "This account has been closed.")
    resident.session_key_enc = cipher.encrypt(session.session_key, field="session_key")
    if session.unionid and not resident.unionid:
        resident.unionid = session.unionid
    await resident.save(update_fields=["session_key_enc", "unionid", "updated_at"])
    return resident


def _login_error(errcode: int) -> Exception:
    if errcode in (40029, 40163):
        return InvalidInput(
            "wechat_code_invalid",
            "微信登录凭证无效或已使用，请重新登录。",
            "The WeChat login code is invalid or already used; call wx.login again.",
        )
    if errcode == 45011:
        return RateLimited(
            "wechat_rate_limited",
            "登录过于频繁，请稍后再试。",
            "Too many logins right now; try again in a minute.",
            retry_after=60,
        )
    if errcode == 40226:
        return PermissionDenied(
            "wechat_risky_user",
            "微信判定该账号存在风险，暂不能登录。",
            "WeChat has flagged this account as risky; sign-in is blocked.",
        )
    return UpstreamUnavailable(
        "wechat_error",
        "微信服务暂时异常，请稍后再试。",
        f"WeChat refused the login (errcode {errcode}); please retry later.",
        retry_after=30,
    )
