"""What a resident does to a filed ticket: add a follow-up, chase it, rate the answer.

Each is recorded with a job in one transaction, then handed to the platform at once; if the
platform cannot be reached the job hands it over later (the same ``actionId``, so never twice).
Our checks mirror the platform's published rules so a resident hears "no" at once; the
platform's own refusal, when our view was stale, is kept on the action and answered the same.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from integrations.base import PlatformError, PlatformUnavailable
from integrations.hotline.models import CHASE_AFTER_HOURS, ActionReceipt, ErrCode
from models.hotline.tickets import ActionKind, ActionStatus, Ticket, TicketAction, TicketStatus
from services import jobs
from services.deps import Deps
from services.hotline import errors, progress

FIELD = "ticket_action"
CHASE_AFTER = timedelta(hours=CHASE_AFTER_HOURS)
_ANSWERED = (TicketStatus.REPLIED, TicketStatus.CLOSED)
_LIVE = (ActionStatus.PENDING, ActionStatus.SENT)

_PLATFORM_CODES = {
    ErrCode.TICKET_CLOSED: "ticket_closed",
    ErrCode.NOT_ANSWERED: "not_answered",
    ErrCode.ALREADY_RATED: "already_rated",
    ErrCode.TOO_EARLY_TO_CHASE: "too_early_to_chase",
}


async def follow_up(deps: Deps, ticket: Ticket, text: str) -> TicketAction:
    """Add more detail to an open ticket (补充诉求)."""
    _submitted(ticket)
    if ticket.status == TicketStatus.CLOSED:
        raise errors.action_refused("ticket_closed")
    return await _act(deps, ticket, ActionKind.FOLLOW_UP, text=text)


async def chase(deps: Deps, ticket: Ticket, now: datetime) -> TicketAction:
    """Chase an unanswered ticket quiet for ``CHASE_AFTER`` (催办); the platform's view decides."""
    _submitted(ticket)
    answer = await deps.hotline.ticket_progress(str(ticket.platform_no))  # down: 503
    await progress.apply(deps, ticket.id, answer.events, relay=True)
    if answer.status in _ANSWERED:
        raise errors.action_refused("ticket_answered")
    last_step = max((e.at for e in answer.events), default=ticket.created_at)
    last_chase = (
        await TicketAction.filter(ticket_id=ticket.id, kind=ActionKind.CHASE, status__in=_LIVE)
        .order_by("-created_at")
        .first()
    )
    latest = max(last_step, last_chase.created_at if last_chase else last_step)
    if now - latest < CHASE_AFTER:
        raise errors.action_refused("too_early_to_chase")
    return await _act(deps, ticket, ActionKind.CHASE)


async def rate(deps: Deps, ticket: Ticket, score: int, comment: str) -> TicketAction:
    """Rate the answer, once (评价)."""
    _submitted(ticket)
    ticket = await progress.refresh(deps, ticket, relay=True)
    if ticket.status not in _ANSWERED:
        raise errors.action_refused("not_answered")
    return await _act(deps, ticket, ActionKind.RATING, text=comment, score=score)


def _submitted(ticket: Ticket) -> None:
    if ticket.platform_no is None:
        raise errors.action_refused("ticket_not_submitted")


async def _act(
    deps: Deps, ticket: Ticket, kind: ActionKind, *, text: str = "", score: int | None = None
) -> TicketAction:
    try:
        async with in_transaction():
            action = await TicketAction.create(
                ticket_id=ticket.id, kind=kind, key=uuid.uuid4().hex, score=score,
                once=f"rating:{ticket.id}" if kind == ActionKind.RATING else None,
                text_enc=deps.cipher.encrypt(text, field=FIELD) if text else None,
            )  # fmt: skip
            await jobs.add("hotline.action", {"id": action.id}, key=f"hotline.action:{action.key}")
    except IntegrityError:  # the other rating of a double tap won
        raise errors.action_refused("already_rated") from None
    action = await deliver(deps, action.id, inline=True)
    if action.status == ActionStatus.REFUSED:
        raise errors.action_refused(action.error or "ticket_closed")
    return action


async def deliver(deps: Deps, action_id: int, *, inline: bool) -> TicketAction:
    """Hand one recorded action to the platform; a platform that cannot answer is left to the
    job (``inline``) or raised for the queue to retry."""
    action = await TicketAction.get(id=action_id).prefetch_related("ticket")
    if action.status != ActionStatus.PENDING:
        return action
    try:
        receipt = await _send(deps, action)
    except PlatformError as exc:
        action.status, action.once = ActionStatus.REFUSED, None
        action.error = _PLATFORM_CODES.get(exc.code, "ticket_closed")  # type: ignore[call-overload]
        await action.save(update_fields=["status", "once", "error"])
        return action
    except PlatformUnavailable:
        if inline:
            return action
        raise
    action.status, action.sent_at = ActionStatus.SENT, receipt.accepted_at
    await action.save(update_fields=["status", "sent_at"])
    return action


async def _send(deps: Deps, action: TicketAction) -> ActionReceipt:
    number = str(action.ticket.platform_no)
    text = deps.cipher.decrypt(action.text_enc, field=FIELD) if action.text_enc else ""
    if action.kind == ActionKind.FOLLOW_UP:
        return await deps.hotline.add_follow_up(number, action.key, text)
    if action.kind == ActionKind.CHASE:
        return await deps.hotline.chase(number, action.key)
    return await deps.hotline.evaluate(number, action.key, int(action.score or 0), text)


async def deliver_job(deps: Deps, payload: dict[str, Any]) -> None:
    """Job: an action the platform could not take at once."""
    await deliver(deps, int(payload["id"]), inline=False)


async def of(ticket: Ticket) -> list[TicketAction]:
    """The ticket's actions, oldest first."""
    return await TicketAction.filter(ticket_id=ticket.id).order_by("created_at", "id")
