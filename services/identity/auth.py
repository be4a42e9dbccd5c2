"""Who is calling (``Principal``), the roles a session carries, and WeChat login.

The sessions themselves (tokens, Redis, each process's copy) are ``services.identity.sessions``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

from integrations.wechat.client import WeChatError
from integrations.wechat.models import WeChatSession
from models.identity.residents import Grant, Resident, ResidentStatus
from services.identity import errors
from services.privacy import FieldCipher


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


async def grants_of(resident_id: uuid.UUID) -> tuple[frozenset[str], dict[str, str]]:
    """Roles (with ``operator:<scope>`` entries) and each staff role's organisation."""
    roles, orgs = {"resident"}, {}
    for grant in await Grant.filter(resident_id=resident_id).prefetch_related("organisation"):
        roles.add(str(grant.role))
        roles.update(f"{grant.role}:{scope}" for scope in filter(None, grant.scopes.split(",")))
        if grant.organisation is not None:
            orgs[str(grant.role)] = grant.organisation.code
    return frozenset(roles), orgs


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
