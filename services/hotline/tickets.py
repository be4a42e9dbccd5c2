"""Filing a 12345 request: recorded here at once, submitted to the platform by a job.

The resident gets our ticket number straight away; the platform's acceptance (and its own
number) follows through the outbox, so an outage of the hotline loses nothing.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from integrations.hotline.models import MAX_CONTENT, ProgressEvent
from models.hotline.tickets import Ticket, TicketEvent
from services import jobs
from services.deps import Deps
from services.hotline import errors, progress
from services.hotline.categories import classify
from services.paging import Page, page
from services.privacy import FieldCipher

_FIELD, _CONTACT = "ticket", "ticket_contact"


@dataclass(frozen=True, slots=True)
class Filing:
    """What the resident asked for, and whom the platform may call back (with consent only)."""

    openid: str
    description: str
    contact_phone: str | None
    resident_id: uuid.UUID | None
    lang: str
    source_key: str  # the chat message that filed it: filing it again changes nothing


async def file(cipher: FieldCipher, filing: Filing, now: datetime) -> Ticket:
    """Record the request and queue its submission; return the ticket with our number."""
    text = filing.description.strip()
    if not text or len(text) > MAX_CONTENT:
        raise errors.ticket_description()
    async with in_transaction():
        existing = await Ticket.get_or_none(source_key=filing.source_key)
        if existing is not None:
            return existing
        contact = filing.contact_phone
        ticket = await Ticket.create(
            number=secrets.token_hex(9),  # replaced below, once the row has its id
            openid=filing.openid,
            resident_id=filing.resident_id,
            category=classify(text),
            description_enc=cipher.encrypt(text, field=_FIELD),
            contact_enc=cipher.encrypt(contact, field=_CONTACT) if contact else None,
            consent=contact is not None,
            lang=filing.lang,
            source_key=filing.source_key,
        )
        # Unique by construction (the id), readable on the phone: WH + date + sequence.
        ticket.number = f"WH{now:%y%m%d}{ticket.id:06d}"
        await ticket.save(update_fields=["number"])
        await jobs.add("hotline.submit", {"id": ticket.id}, key=f"hotline.submit:{ticket.number}")
    return ticket


async def submit(deps: Deps, payload: dict[str, Any]) -> None:
    """Job: hand a recorded request to the 12345 platform (idempotent by our number)."""
    ticket = await Ticket.get_or_none(id=payload["id"])
    if ticket is None or ticket.platform_no is not None:
        return
    contact = ticket.contact_enc and deps.cipher.decrypt(ticket.contact_enc, field=_CONTACT)
    receipt = await deps.hotline.create_ticket(
        external_id=ticket.number,
        category=ticket.category,
        content=deps.cipher.decrypt(ticket.description_enc, field=_FIELD),
        contact_phone=contact or None,
        reported_at=ticket.created_at,
    )
    accepted = ProgressEvent(seq=1, status=receipt.status, at=receipt.accepted_at)
    await progress.apply(deps, ticket.id, [accepted], platform_no=receipt.ticket_no, relay=True)


async def find(openid: str, number: str | None) -> Ticket | None:
    """The chat's ticket with this number, or its latest one; never someone else's."""
    query = Ticket.filter(openid=openid)
    if number is not None:
        return await query.filter(number=number.upper()).first()
    return await query.order_by("-id").first()


async def owned(resident_id: uuid.UUID, number: str) -> Ticket:
    """The resident's ticket with this number; "not found" for anyone else's."""
    ticket = await Ticket.get_or_none(number=number.upper(), resident_id=resident_id)
    if ticket is None:
        raise errors.ticket_not_found()
    return ticket


async def of_resident(resident_id: uuid.UUID, cursor: str | None, limit: int) -> Page[Ticket]:
    """The resident's tickets, newest first, one page."""
    return await page(Ticket.filter(resident_id=resident_id), cursor=cursor, limit=limit)


def description(cipher: FieldCipher, ticket: Ticket) -> str:
    return cipher.decrypt(ticket.description_enc, field=_FIELD)


async def history(ticket: Ticket) -> list[TicketEvent]:
    return await TicketEvent.filter(ticket_id=ticket.id).order_by("seq")
