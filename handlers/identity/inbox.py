"""The resident's inbox: every notification sent to them, in their language, read or unread."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from pydantic import Field

from models.identity.residents import Language
from models.notifications import NotificationChannel
from palm import keys, language
from palm.api import Api, ApiModel
from palm.lists import PageQuery
from services import errors, inbox
from services.notification_texts import TEMPLATES

api = Api("auth")


class InboxQuery(PageQuery):
    unread: bool = Field(default=False, description="only entries not yet read")
    kind: str | None = Field(default=None, description="one kind, e.g. payment_due",
                             pattern="^(" + "|".join(TEMPLATES) + ")$")  # fmt: skip


class InboxEntry(ApiModel):
    id: int
    kind: str = Field(description="What it is about (the notification template)")
    channel: NotificationChannel = Field(description="subscribe message or chat message")
    title: str
    body: str
    lang: Language = Field(description="The language of title and body")
    page: str | None = Field(description="The mini-program page it opens")
    delivery: str = Field(description="pending, sent, refused (not accepted) or failed")
    created_at: datetime
    read_at: datetime | None


class InboxPage(ApiModel):
    items: list[InboxEntry]
    next_cursor: str | None


class Unread(ApiModel):
    unread: int


class Marked(ApiModel):
    marked: int


def _out(item: inbox.Entry) -> InboxEntry:
    return InboxEntry(**{name: getattr(item, name) for name in InboxEntry.model_fields})


@api.get("/api/v1/me/inbox", query=InboxQuery, response=InboxPage, errors=(400,))
async def list_inbox(request: web.Request, query: InboxQuery) -> InboxPage:
    """Notifications sent to me, newest first, in my language (delivered to WeChat or not)."""
    items, cursor = await inbox.entries(
        request[keys.PRINCIPAL].resident_id, language.of_request(request),
        cursor=query.cursor, limit=query.limit, unread=query.unread, kind=query.kind,
    )  # fmt: skip
    return InboxPage(items=[_out(item) for item in items], next_cursor=cursor)


@api.get("/api/v1/me/inbox/unread", response=Unread)
async def unread_count(request: web.Request) -> Unread:
    """How many notifications I have not read (the badge)."""
    return Unread(unread=await inbox.unread_count(request[keys.PRINCIPAL].resident_id))


@api.post("/api/v1/me/inbox/{id}/read", response=InboxEntry, errors=(404,))
async def mark_read(request: web.Request) -> InboxEntry:
    """Mark one notification read."""
    raw = request.match_info["id"]
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):  # a bigint, nothing else
        raise errors.notification_not_found()
    row = await inbox.mark_read(request[keys.PRINCIPAL].resident_id, int(raw), datetime.now(UTC))
    return _out(inbox.entry(row, language.of_request(request)))


@api.post("/api/v1/me/inbox/read", response=Marked)
async def mark_all_read(request: web.Request) -> Marked:
    """Mark every notification read."""
    resident_id = request[keys.PRINCIPAL].resident_id
    return Marked(marked=await inbox.mark_all_read(resident_id, datetime.now(UTC)))
