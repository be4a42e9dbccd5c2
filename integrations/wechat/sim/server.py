"""A WeChat server for tests and the demo: login, tokens, phone numbers, messages.

Controls are under ``/_sim/`` (see ``simcontrol`` and ``simmessages``).
"""

from __future__ import annotations

import hmac

from aiohttp import web

from integrations.base import Platform
from integrations.simulator import SIM, request_json, simulator_app
from integrations.simworld import PEOPLE, openid_for, unionid_for
from integrations.wechat.models import ErrCode
from integrations.wechat.sim import control as simcontrol
from integrations.wechat.sim import messages as simmessages
from integrations.wechat.sim.http import (
    OUTBOX,
    PLATFORM,
    WORLD,
    answer,
    api_body,
    check_access_token,
    rate_limit,
    refusals,
)
from integrations.wechat.sim.outbox import Outbox
from integrations.wechat.sim.state import Refusal, WeChatWorld

__all__ = ["DEMO_PREFIX", "OUTBOX", "PLATFORM", "WORLD", "create_simulator"]

DEMO_PREFIX = "demo-"  # demo-<key> codes always log that person in (demo mini-program)


def create_simulator(platform: Platform) -> web.Application:
    """The WeChat server APIs our backend calls, with the simworld's people as WeChat users."""
    app = simulator_app(refusals, rate_limit)
    app[PLATFORM] = platform
    app[WORLD] = WeChatWorld(
        unionids={openid_for(platform.app_id, key): unionid_for(key) for key in PEOPLE}
    )
    app[OUTBOX] = Outbox()
    app.router.add_get("/sns/jscode2session", _jscode2session, name="jscode2session")
    app.router.add_post("/cgi-bin/stable_token", _stable_token, name="stable_token")
    app.router.add_get("/cgi-bin/token", _token, name="token")
    app.router.add_post(
        "/wxa/business/getuserphonenumber", _phone_number, name="getuserphonenumber"
    )
    simmessages.add_routes(app)
    simcontrol.add_routes(app)
    return app


def _check_app(request: web.Request, appid: object, secret: object) -> None:
    platform = request.app[PLATFORM]
    if appid != platform.app_id:
        raise Refusal(ErrCode.INVALID_APPID, "invalid appid")
    given = secret.encode() if isinstance(secret, str) else b""
    if not hmac.compare_digest(given, platform.secret.encode()):
        raise Refusal(ErrCode.INVALID_APPSECRET, "invalid appsecret")


async def _jscode2session(request: web.Request) -> web.Response:
    query, world, now = request.query, request.app[WORLD], request.app[SIM].now()
    _check_app(request, query.get("appid"), query.get("secret"))
    if query.get("grant_type") != "authorization_code":
        raise Refusal(ErrCode.INVALID_GRANT_TYPE, "invalid grant_type")
    code = query.get("js_code", "")
    if not code:
        raise Refusal(ErrCode.CODE_MISSING, "missing code")
    if code == DEMO_PREFIX + "risky":
        raise Refusal(ErrCode.RISKY_USER, "high risk user, login blocked")
    if code.startswith(DEMO_PREFIX) and code.removeprefix(DEMO_PREFIX) in PEOPLE:
        openid = openid_for(request.app[PLATFORM].app_id, code.removeprefix(DEMO_PREFIX))
        code = world.mint_login(openid, now)
    login = world.redeem_login(code, now)
    session = {"openid": login.openid, "session_key": login.session_key}
    if login.unionid:
        session["unionid"] = login.unionid
    # Real WeChat labels this JSON text/plain; clients must not insist on application/json.
    return answer(session, content_type="text/plain")


async def _stable_token(request: web.Request) -> web.Response:
    body = await request_json(request)
    if body is None:
        raise Refusal(ErrCode.DATA_FORMAT_ERROR, "data format error")
    if body.get("grant_type") != "client_credential":
        raise Refusal(ErrCode.INVALID_GRANT_TYPE, "invalid grant_type")
    _check_app(request, body.get("appid"), body.get("secret"))
    force = body.get("force_refresh") is True
    token, expires_in = request.app[WORLD].stable_token(request.app[SIM].now(), force)
    return web.json_response({"access_token": token, "expires_in": expires_in})


async def _token(request: web.Request) -> web.Response:
    """The old endpoint: every call replaces the previous token of this kind."""
    if request.query.get("grant_type") != "client_credential":
        raise Refusal(ErrCode.INVALID_GRANT_TYPE, "invalid grant_type")
    _check_app(request, request.query.get("appid"), request.query.get("secret"))
    token, expires_in = request.app[WORLD].plain_token(request.app[SIM].now())
    return web.json_response({"access_token": token, "expires_in": expires_in})


async def _phone_number(request: web.Request) -> web.Response:
    check_access_token(request)
    body = await api_body(request)
    if not isinstance(body.get("code"), str):
        raise Refusal(ErrCode.DATA_FORMAT_ERROR, "data format error")
    now = request.app[SIM].now()
    phone = request.app[WORLD].redeem_phone(body["code"], now)
    watermark = {"timestamp": int(now), "appid": request.app[PLATFORM].app_id}
    info = {"phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86"}
    return answer({"phone_info": {**info, "watermark": watermark}})
