"""A simulator of the 12345 hotline platform: signed requests, tickets, progress pushed back.

Progress is pushed to the URL ``push_to`` gives (the app wires its own callback there, as a
tenant registers it in the platform's console); ``POST /_sim/callback {"url"}`` overrides it
(null: back to ``push_to``). Controls: ``POST /_sim/tickets/{ticketNo}/progress {"status",
"note"}`` moves a ticket on and pushes the change, signed; ``GET /_sim/tickets`` and
``GET /_sim/pushes`` show what the platform holds and what it pushed; ``POST /_sim/latency
{"seconds"}`` slows every API call down (a shorthand for the shared ``/_sim/faults``).
Follow-ups, chases and evaluations: ``simactions``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from integrations.base import Platform
from integrations.hotline.models import CATEGORIES, MAX_CONTENT, STATUSES, ErrCode
from integrations.hotline.sim import actions as simactions
from integrations.hotline.sim.state import PLATFORM, SESSION, WORLD, HotlineWorld, SimTicket
from integrations.signing import signed_headers
from integrations.simulator import (
    SIM,
    Fault,
    control_body,
    fail,
    ok,
    request_json,
    set_fault,
    signed_requests,
    simulator_app,
)

PUSH_TO: web.AppKey[Callable[[], str | None]] = web.AppKey("hotline_push_to")


def create_simulator(
    platform: Platform, push_to: Callable[[], str | None] = lambda: None
) -> web.Application:
    """The 12345 platform as seen by our app id, pushing progress to ``push_to()``."""
    app = simulator_app(signed_requests({platform.app_id: platform.secret}))
    app[WORLD], app[PLATFORM], app[PUSH_TO] = HotlineWorld(), platform, push_to
    app.cleanup_ctx.append(_session_ctx)
    app.router.add_post("/hotline/v1/tickets", _create, name="tickets.create")
    app.router.add_post("/hotline/v1/tickets/query", _query, name="tickets.query")
    app.router.add_post("/_sim/callback", _set_callback)
    app.router.add_get("/_sim/tickets", _list_tickets)
    app.router.add_post("/_sim/tickets/{number}/progress", _progress)
    app.router.add_get("/_sim/pushes", _list_pushes)
    app.router.add_post("/_sim/latency", _set_latency)
    simactions.register(app)
    return app


async def _set_latency(request: web.Request) -> web.Response:
    """``{"seconds": s}``: every API call answers after ``s`` seconds."""
    seconds = (await control_body(request)).get("seconds")
    if not isinstance(seconds, int | float) or not 0 <= seconds <= 30:
        raise web.HTTPBadRequest(text="seconds must be a number from 0 to 30")
    set_fault(request.app, Fault("slow", float(seconds)) if seconds else Fault())
    return web.json_response({"seconds": seconds})


async def _session_ctx(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession() as session:
        app[SESSION] = session
        yield


def _now(request: web.Request) -> str:
    return datetime.fromtimestamp(request.app[SIM].now(), UTC).isoformat()


async def _create(request: web.Request) -> web.Response:
    body = await request_json(request) or {}
    external_id, category, content = (
        body.get("externalId"),
        body.get("category"),
        body.get("content"),
    )
    contact = body.get("contactPhone")
    if not (isinstance(external_id, str) and external_id and isinstance(content, str) and content):
        return fail(ErrCode.BAD_PARAMETERS, "参数错误 (externalId and content are required)")
    if category not in CATEGORIES:
        return fail(ErrCode.UNKNOWN_CATEGORY, "诉求分类不存在 (unknown category)")
    if len(content) > MAX_CONTENT:
        return fail(ErrCode.CONTENT_TOO_LONG, "诉求内容过长 (content too long)")
    if contact is not None and not (
        body.get("contactConsent") is True and isinstance(contact, str)
    ):
        return fail(ErrCode.BAD_PARAMETERS, "联系方式须经本人同意 (contact needs consent)")
    world = request.app[WORLD]
    ticket = next((t for t in world.tickets.values() if t.external_id == external_id), None)
    if ticket is None:  # the same externalId is the same request: retries do not duplicate
        number = f"SD{datetime.now(UTC):%Y%m%d}{len(world.tickets) + 1:06d}"
        ticket = SimTicket(number, external_id, str(category), content, contact)
        ticket.events.append({"seq": 1, "status": "accepted", "note": "", "at": _now(request)})
        world.tickets[number] = ticket
    first = ticket.events[0]
    return ok({"ticketNo": ticket.number, "status": first["status"], "acceptedAt": first["at"]})


async def _query(request: web.Request) -> web.Response:
    body = await request_json(request) or {}
    ticket = request.app[WORLD].tickets.get(str(body.get("ticketNo")))
    if ticket is None:
        return fail(ErrCode.NO_SUCH_TICKET, "工单不存在 (no such ticket)")
    return ok(_view(ticket))


def _view(ticket: SimTicket) -> dict[str, Any]:
    return {
        "ticketNo": ticket.number,
        "externalId": ticket.external_id,
        "status": ticket.events[-1]["status"],
        "events": list(ticket.events),
    }


async def _set_callback(request: web.Request) -> web.Response:
    url = (await control_body(request)).get("url")
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        raise web.HTTPBadRequest(text="url must be an http(s) URL or null")
    request.app[WORLD].callback_url = url
    return web.json_response({"url": url})


async def _list_tickets(request: web.Request) -> web.Response:
    return web.json_response([
        {**_view(t), "actions": [{**a["body"], **a["receipt"]} for a in t.actions.values()]}
        for t in request.app[WORLD].tickets.values()
    ])  # fmt: skip


async def _list_pushes(request: web.Request) -> web.Response:
    return web.json_response(request.app[WORLD].pushes)


async def _progress(request: web.Request) -> web.Response:
    """Move a ticket to ``status`` with an optional ``note``, then push the change."""
    ticket = request.app[WORLD].tickets.get(request.match_info["number"])
    if ticket is None:
        raise web.HTTPNotFound(text="no such ticket")
    body = await control_body(request)
    status, note = body.get("status"), body.get("note", "")
    if status not in STATUSES or not isinstance(note, str):
        raise web.HTTPBadRequest(text=f"status must be one of {STATUSES}; note a string")
    event = {"seq": len(ticket.events) + 1, "status": status, "note": note, "at": _now(request)}
    ticket.events.append(event)
    push = {
        "event": "ticket.progress",
        "ticketNo": ticket.number,
        "externalId": ticket.external_id,
        **event,
    }
    return web.json_response({**event, "delivered": await _push(request.app, push)})


async def _push(app: web.Application, push: dict[str, Any]) -> bool:
    """POST the change to the registered callback, signed the platform way; True when taken."""
    url = app[WORLD].callback_url or app[PUSH_TO]()
    if url is None:
        return False
    body = json.dumps(push, ensure_ascii=False, separators=(",", ":")).encode()
    headers = signed_headers(app[PLATFORM], "POST", URL(url).raw_path_qs, body, now=app[SIM].now())
    headers["Content-Type"] = "application/json; charset=utf-8"
    try:
        async with app[SESSION].post(url, data=body, headers=headers) as resp:
            answer = await resp.json(content_type=None) if resp.status == 200 else None
    except (aiohttp.ClientError, ValueError, TimeoutError):
        answer = None
    delivered = isinstance(answer, dict) and answer.get("code") == 0
    app[WORLD].pushes.append({**push, "delivered": delivered})
    return delivered
