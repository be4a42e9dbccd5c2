"""The resident's inbox: every notice sent to them, delivered, refused or missed, newest first.

A subscribe message the resident refused, or one that arrived while they were away, is not
lost: the mini-program shows it here, in the resident's language, until they read it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from models.identity.residents import Language
from models.notifications import Notification, NotificationChannel
from services import errors, paging
from services.notification_texts import render


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    kind: str  # the template name, e.g. payment_due
    channel: NotificationChannel
    title: str
    body: str
    lang: Language
    page: str | None  # the mini-program page it opens
    delivery: str  # pending, sent, refused (not accepted in WeChat) or failed
    created_at: datetime
    read_at: datetime | None


def entry(row: Notification, lang: Language) -> Entry:
    text = render(row.template, row.data, row.data_en, lang)
    return Entry(
        id=row.id, kind=row.template, channel=row.channel or NotificationChannel.SUBSCRIBE,
        title=text.title, body=text.body, lang=text.lang, page=row.page,
        delivery=str(row.status), created_at=row.created_at, read_at=row.read_at,
    )  # fmt: skip


async def entries(
    resident_id: uuid.UUID,
    lang: Language,
    *,
    cursor: str | None,
    limit: int,
    unread: bool = False,
    kind: str | None = None,
) -> tuple[list[Entry], str | None]:
    """One page of the inbox (optionally only unread entries, or one kind)."""
    query = Notification.filter(resident_id=resident_id)
    if unread:
        query = query.filter(read_at__isnull=True)
    if kind is not None:
        query = query.filter(template=kind)
    found = await paging.page(query, cursor=cursor, limit=limit)
    return [entry(row, lang) for row in found.items], found.next_cursor


async def unread_count(resident_id: uuid.UUID) -> int:
    return await Notification.filter(resident_id=resident_id, read_at__isnull=True).count()


async def mark_read(resident_id: uuid.UUID, entry_id: int, now: datetime) -> Notification:
    """Mark one entry read (again: no change); another resident's entry is not found."""
    row = await Notification.get_or_none(id=entry_id, resident_id=resident_id)
    if row is None:
        raise errors.notification_not_found()
    if row.read_at is None:
        await Notification.filter(id=row.id, read_at__isnull=True).update(read_at=now)
        row.read_at = now
    return row


async def mark_all_read(resident_id: uuid.UUID, now: datetime) -> int:
    """Mark every unread entry read; how many were."""
    return await Notification.filter(resident_id=resident_id, read_at__isnull=True).update(
        read_at=now
    )
