"""WeChat login, logout and the resident's own profile."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import Field

from models.residents import Resident
from palm import keys
from palm.api import Api, ApiModel
from services import auth, residents

api = Api("auth")


class LoginIn(ApiModel):
    code: str = Field(min_length=1, max_length=128, description="The code from wx.login()")


class Profile(ApiModel):
    id: str
    name: str | None = Field(description="Masked, e.g. 张*三")
    phone: str | None = Field(description="Masked, e.g. 138****5678")
    verified: bool
    verified_at: datetime | None
    roles: list[str]


class LoginOut(ApiModel):
    token: str = Field(description="Send as 'Authorization: Bearer <token>'")
    expires_in: int = Field(description="Seconds of inactivity before the session ends")
    profile: Profile


async def _profile(request: web.Request, resident: Resident, roles: frozenset[str]) -> Profile:
    view = residents.profile_view(resident, request.app[keys.CIPHER])
    return Profile(**view, roles=sorted(roles))


@api.post("/api/v1/auth/login", auth="none", body=LoginIn, response=LoginOut, errors=(403,))
async def login(request: web.Request, body: LoginIn) -> LoginOut:
    """Sign in with the code from wx.login(); creates the resident on first login."""
    app = request.app
    resident = await auth.login_with_wechat(app[keys.WECHAT], app[keys.CIPHER], body.code)
    ttl = app[keys.SETTINGS].session_ttl_seconds
    token = await auth.create_session(app[keys.REDIS], resident, ttl)
    profile = await _profile(request, resident, await auth.roles_of(resident))
    return LoginOut(token=token, expires_in=ttl, profile=profile)


@api.post("/api/v1/auth/logout", status=204)
async def logout(request: web.Request) -> None:
    """End this session; its token stops working at once."""
    await auth.end_session(request.app[keys.REDIS], request[keys.PRINCIPAL])


@api.get("/api/v1/me", response=Profile)
async def me(request: web.Request) -> Profile:
    """The signed-in resident's profile, personal fields masked."""
    principal = request[keys.PRINCIPAL]
    resident = await residents.get_active(principal.resident_id)
    return await _profile(request, resident, principal.roles)
