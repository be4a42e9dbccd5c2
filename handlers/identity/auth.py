"""WeChat login and logout."""

from __future__ import annotations

from aiohttp import web
from pydantic import Field

from handlers.identity.me import Profile, profile_of
from palm import keys
from palm.api import Api, ApiModel
from services.identity import auth

api = Api("auth")


class LoginIn(ApiModel):
    code: str = Field(min_length=1, max_length=128, description="The code from wx.login()")


class LoginOut(ApiModel):
    token: str = Field(description="Send as 'Authorization: Bearer <token>'")
    expires_in: int = Field(description="Seconds of inactivity before the session ends")
    profile: Profile


@api.post(
    "/api/v1/auth/login", auth="none", rate="login", body=LoginIn, response=LoginOut, errors=(403,)
)
async def login(request: web.Request, body: LoginIn) -> LoginOut:
    """Sign in with the code from wx.login(); creates the resident on first login."""
    app = request.app
    resident = await auth.login_with_wechat(app[keys.DEPS].wechat, app[keys.DEPS].cipher, body.code)
    sessions = app[keys.DEPS].sessions
    token, principal = await sessions.create(resident.id, resident.language)
    return LoginOut(
        token=token, expires_in=sessions.ttl, profile=profile_of(request, resident, principal)
    )


@api.post("/api/v1/auth/logout", status=204)
async def logout(request: web.Request) -> None:
    """End this session; its token stops working at once."""
    await request.app[keys.DEPS].sessions.end(request[keys.PRINCIPAL])


@api.post("/api/v1/auth/logout-all", status=204)
async def logout_all(request: web.Request) -> None:
    """End every session of this resident, on every device."""
    await request.app[keys.DEPS].sessions.end_all(request[keys.PRINCIPAL].resident_id)
