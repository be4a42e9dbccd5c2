"""What the WeChat simulator's parts share: app keys, the answer shape, refusals, checks."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from integrations.base import Platform
from integrations.simulator import SIM, is_control, request_json
from integrations.wechat.models import ErrCode
from integrations.wechat.sim.outbox import Outbox
from integrations.wechat.sim.state import Refusal, WeChatWorld

PLATFORM = web.AppKey("wechat_platform", Platform)
WORLD = web.AppKey("wechat_world", WeChatWorld)
OUTBOX = web.AppKey("wechat_outbox", Outbox)


def answer(payload: dict[str, Any], content_type: str = "application/json") -> web.Response:
    """A successful WeChat answer: ``errcode`` 0 beside the payload's fields."""
    return web.json_response({"errcode": 0, "errmsg": "ok", **payload}, content_type=content_type)


@web.middleware
async def refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn a ``Refusal`` into WeChat's ``{"errcode", "errmsg"}`` on HTTP 200."""
    try:
        return await handler(request)
    except Refusal as refusal:
        # Real errmsgs end with a request id; clients must not parse the text.
        errmsg = f"{refusal.errmsg} rid: {secrets.token_hex(4)}-{secrets.token_hex(4)}"
        return web.json_response({"errcode": int(refusal.errcode), "errmsg": errmsg})


@web.middleware
async def rate_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every API call spends the minute quota (45011 when out); control calls do not."""
    if not is_control(request):
        request.app[WORLD].spend_quota()
    return await handler(request)


async def api_body(request: web.Request) -> dict[str, Any]:
    """The JSON object an API call carries; 47001 otherwise."""
    body = await request_json(request)
    if body is None:
        raise Refusal(ErrCode.DATA_FORMAT_ERROR, "data format error")
    return body


def check_access_token(request: web.Request) -> None:
    """Refuse a call whose ``access_token`` is missing, unknown, replaced or expired."""
    token = request.query.get("access_token", "")
    if not token:
        raise Refusal(ErrCode.ACCESS_TOKEN_MISSING, "access_token missing")
    request.app[WORLD].check_token(token, request.app[SIM].now())


def check_openid(openid: object) -> str:
    """``openid`` if it can be one; 40003 otherwise."""
    if not (isinstance(openid, str) and 0 < len(openid) <= 64):
        raise Refusal(ErrCode.INVALID_OPENID, "invalid openid")
    return openid
