"""Simulated message APIs (subscribe, customer service) and content security, with controls.

Controls: ``GET /_sim/messages?touser=`` and ``GET /_sim/custom-messages?touser=`` list what
was sent; ``POST /_sim/subscriptions {"openid", "template_id", "accept"}`` records a user's
choice; ``POST /_sim/message-quota {"remaining"}`` limits subscribe messages (then 45009).
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from integrations.simulator import SIM, control_body
from integrations.wechat.models import ErrCode
from integrations.wechat.sim.http import OUTBOX, answer, api_body, check_access_token, check_openid
from integrations.wechat.sim.outbox import sec_verdict, template_values
from integrations.wechat.sim.state import Refusal

_CUSTOM_FIELDS = {
    "text": ("content",),
    "image": ("media_id",),
    "link": ("title", "description", "url", "thumb_url"),
    "miniprogrampage": ("title", "pagepath", "thumb_media_id"),
}
MAX_CONTENT = 2500  # characters msg_sec_check accepts


def add_routes(app: web.Application) -> None:
    """Message and content-security APIs, and their controls, on a WeChat simulator."""
    app.router.add_post("/cgi-bin/message/subscribe/send", _subscribe_send, name="subscribe.send")
    app.router.add_post("/cgi-bin/message/custom/send", _custom_send, name="custom.send")
    app.router.add_post("/wxa/msg_sec_check", _msg_sec_check, name="msg_sec_check")
    app.router.add_get("/_sim/messages", _sent_subscribe)
    app.router.add_get("/_sim/custom-messages", _sent_custom)
    app.router.add_post("/_sim/subscriptions", _set_subscription)
    app.router.add_post("/_sim/message-quota", _set_quota)


async def _subscribe_send(request: web.Request) -> web.Response:
    check_access_token(request)
    body = await api_body(request)
    touser, template_id = check_openid(body.get("touser")), body.get("template_id")
    if not (isinstance(template_id, str) and template_id):
        raise Refusal(ErrCode.INVALID_TEMPLATE_ID, "invalid template_id")
    values, page = template_values(body.get("data")), body.get("page")
    outbox = request.app[OUTBOX]
    outbox.check_consent(touser, template_id)
    outbox.spend_quota()
    outbox.subscribe.append(
        {
            "touser": touser,
            "template_id": template_id,
            "page": page if isinstance(page, str) else None,
            "data": values,  # as the user reads them, without the {"value": …} wrapping
            "sent_at": int(request.app[SIM].now()),
        }
    )
    return answer({"msgid": secrets.randbits(62)})


async def _custom_send(request: web.Request) -> web.Response:
    check_access_token(request)
    body = await api_body(request)
    touser, msgtype = check_openid(body.get("touser")), body.get("msgtype")
    if msgtype not in _CUSTOM_FIELDS:
        raise Refusal(ErrCode.INVALID_MSG_TYPE, "invalid message type")
    payload = body.get(msgtype)
    fields = _CUSTOM_FIELDS[msgtype]
    if not isinstance(payload, dict) or not all(isinstance(payload.get(f), str) for f in fields):
        raise Refusal(ErrCode.DATA_FORMAT_ERROR, f"data format error: {msgtype} needs {fields}")
    sent_at = int(request.app[SIM].now())
    request.app[OUTBOX].custom.append(
        {"touser": touser, "msgtype": msgtype, "payload": payload, "sent_at": sent_at}
    )
    return answer({})


async def _msg_sec_check(request: web.Request) -> web.Response:
    check_access_token(request)
    body = await api_body(request)
    check_openid(body.get("openid"))
    content, scene = body.get("content"), body.get("scene")
    if body.get("version") != 2 or type(scene) is not int or not 1 <= scene <= 4:
        raise Refusal(ErrCode.DATA_FORMAT_ERROR, "invalid args: version 2 and a scene of 1-4")
    if not isinstance(content, str) or len(content) > MAX_CONTENT:
        raise Refusal(ErrCode.DATA_FORMAT_ERROR, "invalid args: content")
    suggest, label = sec_verdict(content)
    detail = {"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label}
    result = {"suggest": suggest, "label": label}
    return answer({"result": result, "detail": [detail], "trace_id": secrets.token_hex(12)})


def _sent_to(messages: list[dict[str, Any]], request: web.Request) -> web.Response:
    touser = request.query.get("touser")
    return web.json_response([m for m in messages if touser in (None, m["touser"])])


async def _sent_subscribe(request: web.Request) -> web.Response:
    return _sent_to(request.app[OUTBOX].subscribe, request)


async def _sent_custom(request: web.Request) -> web.Response:
    return _sent_to(request.app[OUTBOX].custom, request)


async def _set_subscription(request: web.Request) -> web.Response:
    body = await control_body(request)
    openid, template_id, accept = body.get("openid"), body.get("template_id"), body.get("accept")
    if not (isinstance(openid, str) and isinstance(template_id, str) and type(accept) is bool):
        raise web.HTTPBadRequest(text="send openid, template_id and accept (a bool)")
    refused = request.app[OUTBOX].refused
    if accept:
        refused.discard((openid, template_id))
    else:
        refused.add((openid, template_id))
    return web.json_response({"openid": openid, "template_id": template_id, "accept": accept})


async def _set_quota(request: web.Request) -> web.Response:
    """``{"remaining": n}``: n more subscribe messages go out today; ``null`` lifts the limit."""
    remaining = (await control_body(request)).get("remaining")
    if remaining is not None and (type(remaining) is not int or remaining < 0):
        raise web.HTTPBadRequest(text="remaining must be a non-negative integer or null")
    request.app[OUTBOX].quota = remaining
    return web.json_response({"remaining": remaining})
