"""Controls tests and the demo use on the WeChat simulator's login side.

``POST /_sim/codes``, ``/_sim/phone-codes``, ``/_sim/rate-limit`` and ``/_sim/encrypted-data``;
see each handler.
"""

from __future__ import annotations

from aiohttp import web

from integrations.simulator import SIM, control_body
from integrations.simworld import PEOPLE, openid_for, person_by_openid
from integrations.wechat.crypto import encrypt_open_data
from integrations.wechat.sim.http import PLATFORM, WORLD
from integrations.wechat.sim.state import CODE_TTL


def add_routes(app: web.Application) -> None:
    """The login-side controls of a WeChat simulator."""
    app.router.add_post("/_sim/codes", _mint_code)
    app.router.add_post("/_sim/phone-codes", _mint_phone_code)
    app.router.add_post("/_sim/rate-limit", _set_rate_limit)
    app.router.add_post("/_sim/encrypted-data", _encrypted_data)


def _phone(value: object) -> str:
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()):
        raise web.HTTPBadRequest(text="send a person with a phone, or a phone")
    return value


async def _mint_code(request: web.Request) -> web.Response:
    """``{"persona": key}`` (anyone in ``PEOPLE``) or ``{"openid": ...}`` (a stranger)."""
    body = await control_body(request)
    key, openid = body.get("persona"), body.get("openid")
    if isinstance(key, str) and key in PEOPLE:
        openid = openid_for(request.app[PLATFORM].app_id, key)
    elif not (isinstance(openid, str) and 0 < len(openid) <= 64):
        raise web.HTTPBadRequest(text="send a known persona key or an openid")
    code = request.app[WORLD].mint_login(openid, request.app[SIM].now())
    return web.json_response({"code": code, "openid": openid, "expires_in": CODE_TTL})


async def _mint_phone_code(request: web.Request) -> web.Response:
    """``{"persona": key}`` or ``{"phone": "138…"}``: a getPhoneNumber code for that phone."""
    body = await control_body(request)
    person = PEOPLE.get(str(body.get("persona")))
    phone = _phone(person.phone if person else body.get("phone"))
    code = request.app[WORLD].mint_phone(phone, request.app[SIM].now())
    return web.json_response({"code": code, "expires_in": CODE_TTL})


async def _set_rate_limit(request: web.Request) -> web.Response:
    """``{"remaining": n}``: n more API calls succeed, then 45011; ``null`` lifts the limit."""
    remaining = (await control_body(request)).get("remaining")
    if remaining is not None and (type(remaining) is not int or remaining < 0):
        raise web.HTTPBadRequest(text="remaining must be a non-negative integer or null")
    request.app[WORLD].remaining = remaining
    return web.json_response({"remaining": remaining})


async def _encrypted_data(request: web.Request) -> web.Response:
    """What the legacy getPhoneNumber button hands the mini-program for a logged-in user.

    ``{"openid", "phone"?, "persona"?, "appid"?}``: the phone defaults to the persona's, then
    to the openid's owner's; ``appid`` forges the watermark. 409 if the openid has no session.
    """
    body = await control_body(request)
    openid, app_id = body.get("openid"), request.app[PLATFORM].app_id
    if not isinstance(openid, str):
        raise web.HTTPBadRequest(text="send the openid of a logged-in user")
    session_key = request.app[WORLD].sessions.get(openid)
    if session_key is None:
        raise web.HTTPConflict(text="no session for this openid: log in with jscode2session first")
    persona = body.get("persona")
    if persona is not None and persona not in PEOPLE:
        raise web.HTTPBadRequest(text="persona must be a key of simworld.PEOPLE")
    person = PEOPLE[persona] if persona is not None else person_by_openid(app_id, openid)
    phone = _phone(body.get("phone") or (person.phone if person else None))
    watermark_app = body.get("appid", app_id)
    if not isinstance(watermark_app, str):
        raise web.HTTPBadRequest(text="appid must be a string")
    now = int(request.app[SIM].now())
    info = {"phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86"}
    data = {**info, "watermark": {"timestamp": now, "appid": watermark_app}}
    encrypted_data, iv = encrypt_open_data(session_key, data)
    return web.json_response({"encrypted_data": encrypted_data, "iv": iv})
