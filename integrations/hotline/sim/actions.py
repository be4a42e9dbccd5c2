"""The 12345 simulator's resident actions: follow-ups (补充诉求), chases (催办), evaluations (评价).

Its rules, as the platform publishes them: no follow-up to a closed ticket; a chase only while
the ticket is unanswered, after ``CHASE_AFTER_HOURS`` without progress and at most one per such
period; one evaluation, only once the ticket is answered, satisfaction 1 to 5. An ``actionId``
seen before gets its first receipt again, whatever the rules say now (a retry is not a second
action). ``POST /_sim/tickets/{ticketNo}/age {"hours"}`` moves a ticket's history back in time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from integrations.hotline.models import CHASE_AFTER_HOURS, MAX_FOLLOW_UP, ErrCode
from integrations.hotline.sim.state import WORLD, SimTicket
from integrations.simulator import SIM, control_body, fail, ok, request_json

_ANSWERED = ("replied", "closed")
Rule = Callable[[web.Request, SimTicket, dict[str, Any]], web.Response | None]


def register(app: web.Application) -> None:
    app.router.add_post("/hotline/v1/tickets/supplement", _action("follow_up", _follow_up),
                        name="tickets.supplement")  # fmt: skip
    app.router.add_post("/hotline/v1/tickets/urge", _action("chase", _chase), name="tickets.urge")
    app.router.add_post("/hotline/v1/tickets/evaluate", _action("rating", _evaluate),
                        name="tickets.evaluate")  # fmt: skip
    app.router.add_post("/_sim/tickets/{number}/age", _age)


def _action(kind: str, rule: Rule) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        body = await request_json(request) or {}
        ticket = request.app[WORLD].tickets.get(str(body.get("ticketNo")))
        action_id = body.get("actionId")
        if not (isinstance(action_id, str) and 8 <= len(action_id) <= 40):
            return fail(ErrCode.BAD_PARAMETERS, "参数错误 (actionId is required)")
        if ticket is None:
            return fail(ErrCode.NO_SUCH_TICKET, "工单不存在 (no such ticket)")
        seen = ticket.actions.get(action_id)
        if seen is not None:
            return ok(seen["receipt"])
        refused = rule(request, ticket, body)
        if refused is not None:
            return refused
        now = request.app[SIM].now()
        receipt = {
            "actionNo": f"{ticket.number}-{len(ticket.actions) + 1:02d}",
            "ticketNo": ticket.number,
            "kind": kind,
            "acceptedAt": datetime.fromtimestamp(now, UTC).isoformat(),
        }
        ticket.actions[action_id] = {"receipt": receipt, "body": body}
        return ok(receipt)

    return handle


def _follow_up(
    request: web.Request, ticket: SimTicket, body: dict[str, Any]
) -> web.Response | None:
    content = body.get("content")
    if not (isinstance(content, str) and content.strip()):
        return fail(ErrCode.BAD_PARAMETERS, "参数错误 (content is required)")
    if len(content) > MAX_FOLLOW_UP:
        return fail(ErrCode.CONTENT_TOO_LONG, "补充内容过长 (content too long)")
    if ticket.events[-1]["status"] == "closed":
        return fail(ErrCode.TICKET_CLOSED, "工单已关闭 (the ticket is closed)")
    return None


def _chase(request: web.Request, ticket: SimTicket, body: dict[str, Any]) -> web.Response | None:
    if ticket.events[-1]["status"] in _ANSWERED:
        return fail(ErrCode.TICKET_CLOSED, "工单已办结，无需催办 (already answered)")
    now = request.app[SIM].now()
    last = datetime.fromisoformat(ticket.events[-1]["at"]).timestamp()
    period = CHASE_AFTER_HOURS * 3600
    if now - last < period or (ticket.chased_at is not None and now - ticket.chased_at < period):
        return fail(ErrCode.TOO_EARLY_TO_CHASE, "办理时限内暂不能催办 (too early to chase)")
    ticket.chased_at = now
    return None


def _evaluate(request: web.Request, ticket: SimTicket, body: dict[str, Any]) -> web.Response | None:
    satisfaction, comment = body.get("satisfaction"), body.get("comment", "")
    if not (type(satisfaction) is int and 1 <= satisfaction <= 5 and isinstance(comment, str)):
        return fail(ErrCode.BAD_PARAMETERS, "参数错误 (satisfaction is 1 to 5)")
    if len(comment) > MAX_FOLLOW_UP:
        return fail(ErrCode.CONTENT_TOO_LONG, "评价内容过长 (comment too long)")
    if ticket.events[-1]["status"] not in _ANSWERED:
        return fail(ErrCode.NOT_ANSWERED, "工单尚未办结，暂不能评价 (not answered yet)")
    if ticket.rated:
        return fail(ErrCode.ALREADY_RATED, "工单已评价 (already evaluated)")
    ticket.rated = True
    return None


async def _age(request: web.Request) -> web.Response:
    """``{"hours": h}``: the ticket's steps and last chase happened ``h`` hours earlier."""
    ticket = request.app[WORLD].tickets.get(request.match_info["number"])
    if ticket is None:
        raise web.HTTPNotFound(text="no such ticket")
    hours = (await control_body(request)).get("hours")
    if not isinstance(hours, int | float) or not 0 <= hours <= 24 * 365:
        raise web.HTTPBadRequest(text="hours must be a number from 0 to 8760")
    shift = timedelta(hours=hours)
    for event in ticket.events:
        event["at"] = (datetime.fromisoformat(event["at"]) - shift).isoformat()
    if ticket.chased_at is not None:
        ticket.chased_at -= shift.total_seconds()
    return web.json_response({"ticketNo": ticket.number, "aged_hours": hours})
