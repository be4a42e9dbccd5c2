"""What the WeChat simulator remembers: codes, session keys, access tokens, the rate limit."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field

from integrations.wechat.models import ErrCode

CODE_TTL = 300  # wx.login and getPhoneNumber codes are valid 5 minutes
TOKEN_TTL = 7200
GRACE = 300  # a replaced /cgi-bin/token token keeps working 5 more minutes


class Refusal(Exception):
    """An answer ``{"errcode": ..., "errmsg": ...}`` the simulator gives instead of data."""

    def __init__(self, errcode: ErrCode, errmsg: str) -> None:
        super().__init__(errmsg)
        self.errcode, self.errmsg = errcode, errmsg


@dataclass
class _Code:
    value: str  # the openid a login code logs in, or the phone a phone code reveals
    expires_at: float
    used: bool = False


@dataclass
class _Token:
    expires_at: float
    replaced: bool = False


@dataclass
class Login:
    openid: str
    unionid: str | None
    session_key: str = field(
        default_factory=lambda: base64.b64encode(secrets.token_bytes(16)).decode(), repr=False
    )


@dataclass
class WeChatWorld:
    unionids: dict[str, str] = field(default_factory=dict)  # openid → unionid, for people
    logins: dict[str, _Code] = field(default_factory=dict)
    # openid → the latest session_key: what the user's encryptedData is encrypted under.
    sessions: dict[str, str] = field(default_factory=dict, repr=False)
    phones: dict[str, _Code] = field(default_factory=dict)
    tokens: dict[str, _Token] = field(default_factory=dict)
    stable: str | None = None
    plain: str | None = None
    remaining: int | None = None  # calls left before 45011; None means no limit

    def mint_login(self, openid: str, now: float) -> str:
        return _mint(self.logins, openid, now)

    def mint_phone(self, phone: str, now: float) -> str:
        return _mint(self.phones, phone, now)

    def redeem_login(self, code: str, now: float) -> Login:
        """Spend a minted login code (single use, 5 minutes)."""
        entry = self.logins.get(code)
        if entry is None or entry.expires_at <= now:
            raise Refusal(ErrCode.INVALID_CODE, "invalid code")
        if entry.used:
            raise Refusal(ErrCode.CODE_USED, "code been used")
        entry.used = True
        login = Login(entry.value, self.unionids.get(entry.value))
        self.sessions[login.openid] = login.session_key
        return login

    def redeem_phone(self, code: str, now: float) -> str:
        entry = self.phones.get(code)
        if entry is None or entry.used or entry.expires_at <= now:
            raise Refusal(ErrCode.INVALID_CODE, "invalid code")
        entry.used = True
        return entry.value

    def stable_token(self, now: float, force_refresh: bool) -> tuple[str, int]:
        """``stable_token``: the same token while valid; a new one when forced or nearly out."""
        current = self.tokens.get(self.stable) if self.stable else None
        if self.stable and current and not force_refresh and current.expires_at - now > GRACE:
            return self.stable, int(current.expires_at - now)
        if current and force_refresh:
            current.expires_at, current.replaced = now, True
        # Near expiry a new token is issued and the old one simply runs out: no one is cut off.
        self.stable = self._issue(now)
        return self.stable, TOKEN_TTL

    def plain_token(self, now: float) -> tuple[str, int]:
        """``/cgi-bin/token``: always a new token; the previous one dies after the grace period."""
        if self.plain and (previous := self.tokens.get(self.plain)):
            previous.expires_at = min(previous.expires_at, now + GRACE)
            previous.replaced = True
        self.plain = self._issue(now)
        return self.plain, TOKEN_TTL

    def check_token(self, token: str, now: float) -> None:
        entry = self.tokens.get(token)
        if entry is None or (entry.replaced and entry.expires_at <= now):
            raise Refusal(
                ErrCode.INVALID_CREDENTIAL,
                "invalid credential, access_token is invalid or not latest",
            )
        if entry.expires_at <= now:
            raise Refusal(ErrCode.ACCESS_TOKEN_EXPIRED, "access_token expired")

    def spend_quota(self) -> None:
        if self.remaining is None:
            return
        if self.remaining <= 0:
            raise Refusal(
                ErrCode.RATE_LIMITED, "api minute-quota reach limit mustslower retry next minute"
            )
        self.remaining -= 1

    def _issue(self, now: float) -> str:
        token = secrets.token_urlsafe(96)
        self.tokens[token] = _Token(now + TOKEN_TTL)
        # Forget tokens dead for a day so a long demo run does not grow without bound.
        for old in [t for t, e in self.tokens.items() if e.expires_at < now - 86400]:
            del self.tokens[old]
        return token


def _mint(codes: dict[str, _Code], value: str, now: float) -> str:
    for stale in [c for c, e in codes.items() if e.expires_at <= now]:
        del codes[stale]
    code = secrets.token_urlsafe(24)
    codes[code] = _Code(value, now + CODE_TTL)
    return code
