"""A resident's 12345 requests: the list, one ticket with its steps, and what they may do next
(add a follow-up, chase a stalled ticket, rate the answer)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

from aiohttp import web
from pydantic import Field

from integrations.hotline.models import MAX_FOLLOW_UP
from models.hotline.tickets import Ticket, TicketAction
from palm import keys
from palm.api import Api, ApiModel
from palm.lists import PageQuery
from services.hotline import actions, errors, progress, tickets

api = Api("bot")
_NUMBER = re.compile(r"WH\d{6,14}", re.IGNORECASE)
TicketState = Literal["queued", "accepted", "assigned", "processing", "replied", "closed"]


class TicketSummary(ApiModel):
    number: str
    status: TicketState
    status_text: str = Field(description="The status in the resident's language")
    category: str
    created_at: datetime
    updated_at: datetime


class TicketList(ApiModel):
    items: list[TicketSummary]
    next_cursor: str | None


class TicketStep(ApiModel):
    seq: int
    status: TicketState
    note: str
    at: datetime


class ActionOut(ApiModel):
    kind: Literal["follow_up", "chase", "rating"]
    status: Literal["pending", "sent", "refused"] = Field(
        description="pending: the platform could not be reached; it is sent as soon as it can"
    )
    score: int | None
    created_at: datetime


class TicketDetail(TicketSummary):
    description: str
    steps: list[TicketStep]
    actions: list[ActionOut]


class FollowUpIn(ApiModel):
    text: str = Field(min_length=1, max_length=MAX_FOLLOW_UP)


class RatingIn(ApiModel):
    score: int = Field(ge=1, le=5, description="1: very dissatisfied … 5: very satisfied")
    comment: str = Field(default="", max_length=MAX_FOLLOW_UP)


def _lang(request: web.Request) -> str:
    return "en" if request.headers.get("Accept-Language", "").lower().startswith("en") else "zh"


def _summary(ticket: Ticket, lang: str) -> dict[str, object]:
    zh, en = progress.STATUS_TEXT[ticket.status]
    return {"number": ticket.number, "status": ticket.status.value,
            "status_text": en if lang == "en" else zh, "category": ticket.category,
            "created_at": ticket.created_at, "updated_at": ticket.updated_at}  # fmt: skip


def _action(action: TicketAction) -> ActionOut:
    return ActionOut(kind=action.kind.value, status=action.status.value, score=action.score,
                     created_at=action.created_at)  # fmt: skip


async def _ticket(request: web.Request) -> Ticket:
    number = request.match_info["number"]
    if not _NUMBER.fullmatch(number):
        raise errors.ticket_not_found()
    return await tickets.owned(request[keys.PRINCIPAL].resident_id, number)


@api.get("/api/v1/hotline/tickets", query=PageQuery, response=TicketList, errors=(400,))
async def list_tickets(request: web.Request, query: PageQuery) -> TicketList:
    """The resident's 12345 requests, newest first."""
    found = await tickets.of_resident(
        request[keys.PRINCIPAL].resident_id, query.cursor, query.limit
    )
    lang = _lang(request)
    items = [TicketSummary.model_validate(_summary(t, lang)) for t in found.items]
    return TicketList(items=items, next_cursor=found.next_cursor)


@api.get("/api/v1/hotline/tickets/{number}", response=TicketDetail, errors=(404,))
async def get_ticket(request: web.Request) -> TicketDetail:
    """One request: what was asked, every step so far, and the resident's follow-ups."""
    ticket = await _ticket(request)
    steps = [TicketStep(seq=e.seq, status=e.status.value, note=e.note, at=e.at)
             for e in await tickets.history(ticket)]  # fmt: skip
    return TicketDetail.model_validate({
        **_summary(ticket, _lang(request)),
        "description": tickets.description(request.app[keys.DEPS].cipher, ticket),
        "steps": steps, "actions": [_action(a) for a in await actions.of(ticket)],
    })  # fmt: skip


@api.post("/api/v1/hotline/tickets/{number}/follow-ups", body=FollowUpIn, response=ActionOut,
          status=201, errors=(404, 409))  # fmt: skip
async def add_follow_up(request: web.Request, body: FollowUpIn) -> ActionOut:
    """Add detail to an open request (补充诉求); the platform gets it at once or soon after."""
    ticket = await _ticket(request)
    return _action(await actions.follow_up(request.app[keys.DEPS], ticket, body.text))


@api.post("/api/v1/hotline/tickets/{number}/chase", response=ActionOut, status=201,
          errors=(404, 409))  # fmt: skip
async def chase_ticket(request: web.Request) -> ActionOut:
    """Chase a request with no progress for a day (催办); refused while it is moving."""
    ticket = await _ticket(request)
    return _action(await actions.chase(request.app[keys.DEPS], ticket, datetime.now(UTC)))


@api.post("/api/v1/hotline/tickets/{number}/rating", body=RatingIn, response=ActionOut,
          status=201, errors=(404, 409))  # fmt: skip
async def rate_ticket(request: web.Request, body: RatingIn) -> ActionOut:
    """Rate the answer (评价), once, after the platform has answered."""
    ticket = await _ticket(request)
    deps = request.app[keys.DEPS]
    return _action(await actions.rate(deps, ticket, body.score, body.comment))
