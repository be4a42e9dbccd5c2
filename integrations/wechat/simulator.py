"""A WeChat server for tests and the demo, enforcing WeChat's rules for codes and tokens.

Control endpoints: ``POST /_sim/codes``, ``/_sim/phone-codes``, ``/_sim/rate-limit``.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from integrations.base import Platform
from integrations.simulator import SIM, control_body, is_control, simulator_app
from integrations.simworld import PERSONAS, openid_for, unionid_for
from integrations.wechat.models import ErrCode
from integrations.wechat.simstate import CODE_TTL, Refusal, WeChatWorld

PLATFORM = web.AppKey("wechat_platform", Platform)
WORLD = web.AppKey("wechat_world", WeChatWorld)
DEMO_PREFIX = "demo-"  # demo-<persona> codes always log that persona in (demo mini-program)


def create_simulator(platform: Platform) -> web.Application:
    """The WeChat server APIs our backend calls, with the personas as WeChat users."""
    app = simulator_app(_refusals, _rate_limit)
    app[PLATFORM] = platform
    app[WORLD] = WeChatWorld(
        unionids={openid_for(platform.app_id, key): unionid_for(key) for key in PERSONAS}
    )
    app.router.add_get("/sns/jscode2session", _jscode2session, name="jscode2session")
    app.router.add_post("/cgi-bin/stable_token", _stable_token, name="stable_token")
    app.router.add_get("/cgi-bin/token", _token, name="token")
    app.router.add_post(
        "/wxa/business/getuserphonenumber", _phone_number, name="getuserphonenumber"
    )
    app.router.add_post("/_sim/codes", _mint_code)
    app.router.add_post("/_sim/phone-codes", _mint_phone_code)
    app.router.add_post("/_sim/rate-limit", _set_rate_limit)
    return app


def _answer(payload: dict[str, Any], content_type: str = "application/json") -> web.Response:
    return web.json_response({"errcode": 0, "errmsg": "ok", **payload}, content_type=content_type)


@web.middleware
async def _refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Refusal as refusal:
        # Real errmsgs end with a request id; clients must not parse the text.
        errmsg = f"{refusal.errmsg} rid: {secrets.token_hex(4)}-{secrets.token_hex(4)}"
        return web.json_response({"errcode": int(refusal.errcode), "errmsg": errmsg})


@web.middleware
async def _rate_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_control(request):
        request.app[WORLD].spend_quota()
    return await handler(request)


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
    if code.startswith(DEMO_PREFIX) and code.removeprefix(DEMO_PREFIX) in PERSONAS:
        openid = openid_for(request.app[PLATFORM].app_id, code.removeprefix(DEMO_PREFIX))
        code = world.mint_login(openid, now)
    login = world.redeem_login(code, now)
    session = {"openid": login.openid, "session_key": login.session_key}
    if login.unionid:
        session["unionid"] = login.unionid
    # Real WeChat labels this JSON text/plain; clients must not insist on application/json.
    return _answer(session, content_type="text/plain")


async def _stable_token(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
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
    world, now = request.app[WORLD], request.app[SIM].now()
    token = request.query.get("access_token", "")
    if not token:
        raise Refusal(ErrCode.ACCESS_TOKEN_MISSING, "access_token missing")
    world.check_token(token, now)
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        raise Refusal(ErrCode.DATA_FORMAT_ERROR, "data format error")
    phone = world.redeem_phone(body["code"], now)
    watermark = {"timestamp": int(now), "appid": request.app[PLATFORM].app_id}
    info = {"phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86"}
    return _answer({"phone_info": {**info, "watermark": watermark}})


async def _mint_code(request: web.Request) -> web.Response:
    """``{"persona": key}`` or ``{"openid": ...}`` (a WeChat user we have never seen)."""
    body = await control_body(request)
    key, openid = body.get("persona"), body.get("openid")
    if isinstance(key, str) and key in PERSONAS:
        openid = openid_for(request.app[PLATFORM].app_id, key)
    elif not (isinstance(openid, str) and 0 < len(openid) <= 64):
        raise web.HTTPBadRequest(text="send a known persona key or an openid")
    code = request.app[WORLD].mint_login(openid, request.app[SIM].now())
    return web.json_response({"code": code, "openid": openid, "expires_in": CODE_TTL})


async def _mint_phone_code(request: web.Request) -> web.Response:
    """``{"persona": key}`` or ``{"phone": "138…"}``: a getPhoneNumber code for that phone."""
    body = await control_body(request)
    person = PERSONAS.get(str(body.get("persona")))
    phone: object = person.phone if person else body.get("phone")
    if not isinstance(phone, str) or not (phone.isascii() and phone.isdigit()):
        raise web.HTTPBadRequest(text="send a persona with a phone, or a phone")
    code = request.app[WORLD].mint_phone(phone, request.app[SIM].now())
    return web.json_response({"code": code, "expires_in": CODE_TTL})


async def _set_rate_limit(request: web.Request) -> web.Response:
    """``{"remaining": n}``: n more API calls succeed, then 45011; ``null`` lifts the limit."""
    remaining = (await control_body(request)).get("remaining")
    if remaining is not None and (type(remaining) is not int or remaining < 0):
        raise web.HTTPBadRequest(text="remaining must be a non-negative integer or null")
    request.app[WORLD].remaining = remaining
    return web.json_response({"remaining": remaining})
