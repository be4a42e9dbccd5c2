"""A ticket's progress: events from the platform (pushed, polled or on acceptance), applied
once each in order, and the newest told to the resident through the notification outbox."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from redis.asyncio import Redis
from tortoise.transactions import in_transaction

from integrations.base import PlatformError, PlatformUnavailable
from integrations.hotline.client import push_is_signed
from integrations.hotline.models import ProgressEvent, ProgressPush
from models.hotline.tickets import Ticket, TicketEvent, TicketStatus
from services import errors as shared
from services import notifications
from services.bot import conversation
from services.deps import Deps
from services.hotline import errors

log = logging.getLogger("palm.hotline")
CHINA = ZoneInfo("Asia/Shanghai")
_NONCE = "palm:hotline:nonce:"

STATUS_TEXT = {  # WeChat's phrase fields hold at most five characters
    TicketStatus.QUEUED: ("已提交", "submitted"),
    TicketStatus.ACCEPTED: ("已受理", "accepted"),
    TicketStatus.ASSIGNED: ("已派单", "assigned"),
    TicketStatus.PROCESSING: ("办理中", "in progress"),
    TicketStatus.REPLIED: ("已办结", "answered"),
    TicketStatus.CLOSED: ("已关闭", "closed"),
}


async def apply(
    deps: Deps,
    ticket_id: int,
    events: Sequence[ProgressEvent],
    *,
    platform_no: str | None = None,
    relay: bool,
) -> list[TicketEvent]:
    """Record the events this ticket has not seen (by sequence); tell the resident the newest."""
    async with in_transaction():
        ticket = await Ticket.filter(id=ticket_id).select_for_update().get()
        if platform_no is not None and ticket.platform_no is None:
            ticket.platform_no = platform_no
        fresh = sorted((e for e in events if e.seq > ticket.last_seq), key=lambda e: e.seq)
        added = [
            await TicketEvent.create(
                ticket=ticket, seq=e.seq, status=TicketStatus(e.status), note=e.note, at=e.at
            )
            for e in fresh
        ]
        if added:
            ticket.last_seq, ticket.status = added[-1].seq, added[-1].status
        await ticket.save(update_fields=["platform_no", "last_seq", "status", "updated_at"])
        if added and relay:
            await _tell(deps.redis, ticket, added[-1])
    return added


async def _tell(redis: Redis, ticket: Ticket, event: TicketEvent) -> None:
    zh, en = STATUS_TEXT[event.status]
    key = f"ticket:{ticket.number}:{event.seq}"
    resident_id = ticket.resident_id  # type: ignore[attr-defined]
    local = event.at.astimezone(CHINA)
    values = {
        "character_string1": ticket.number,
        "phrase2": zh,
        "thing3": (event.note or "请在公众号回复“工单进度”查看")[:20],
        "time4": f"{local:%Y-%m-%d %H:%M}",
    }
    values_en = {**values, "phrase2": en, "thing3": (event.note or "Reply 'ticket' to see it")[:20]}
    page = f"pages/hotline/ticket?number={ticket.number}"
    if resident_id is not None and not await conversation.is_open(redis, ticket.openid):
        # Outside WeChat's 48-hour window only a subscribe message can reach them.
        await notifications.notify(
            resident_id, "ticket_progress", values, key=key, page=page, values_en=values_en
        )
        return
    if ticket.lang == "en":
        text = f"Your 12345 request {ticket.number} is now {en}."
    else:
        text = f"您的12345工单 {ticket.number} 有新进展：{zh}。"
    if event.note:
        text += f"\n{event.note}"
    # In the resident's inbox too (a chat message scrolls away).
    notice = None
    if resident_id is not None:
        notice = notifications.Notice(resident_id, "ticket_progress", values, values_en, page)
    # The note is the platform's free text: it passes msgSecCheck before it is sent.
    await notifications.send_custom(
        ticket.openid, "text", {"content": text}, key=key, check_text=bool(event.note),
        notice=notice,
    )  # fmt: skip


async def receive_push(
    deps: Deps, headers: Mapping[str, str], method: str, path_qs: str, body: bytes
) -> None:
    """A progress push from the platform: signature, then nonce, then the event, once."""
    now = datetime.now(UTC)
    platform = deps.hotline.platform
    if not push_is_signed(platform, headers, method, path_qs, body, now=now.timestamp()):
        raise shared.bad_signature()
    nonce = headers.get("X-Nonce", "")
    if not await deps.redis.set(_NONCE + nonce, b"1", nx=True, ex=900):
        raise shared.nonce_reused()
    try:
        push = ProgressPush.model_validate_json(body)
    except ValidationError:
        raise errors.malformed_push() from None
    ticket = await Ticket.get_or_none(number=push.external_id)
    if ticket is None or ticket.platform_no not in (None, push.ticket_no):
        raise errors.ticket_not_found()
    event = ProgressEvent(seq=push.seq, status=push.status, note=push.note, at=push.at)
    await apply(deps, ticket.id, [event], platform_no=push.ticket_no, relay=True)


async def refresh(deps: Deps, ticket: Ticket, *, relay: bool) -> Ticket:
    """Ask the platform where a submitted ticket stands; the local record if it cannot say."""
    if ticket.platform_no is None:
        return ticket
    try:
        answer = await deps.hotline.ticket_progress(ticket.platform_no)
    except (PlatformUnavailable, PlatformError) as exc:
        log.info("hotline progress of %s not refreshed: %s", ticket.number, type(exc).__name__)
        return ticket
    await apply(deps, ticket.id, answer.events, relay=relay)
    return await Ticket.get(id=ticket.id)


async def reconcile(deps: Deps) -> None:
    """Poll open tickets quiet for an hour, in case a push was lost (pushes are best effort)."""
    quiet = datetime.now(UTC) - timedelta(hours=1)
    open_tickets = await Ticket.filter(
        platform_no__isnull=False, updated_at__lt=quiet, status__not=TicketStatus.CLOSED
    ).limit(200)
    for ticket in open_tickets:
        await refresh(deps, ticket, relay=True)
