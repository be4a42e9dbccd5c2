"""Messages to residents: WeChat subscribe messages, queued through the outbox, sent once.

Every service notifies through ``notify``; the message is recorded in the caller's transaction
and sent by a job: retried with backoff on outages and quota errors, never sent twice for one
``key``, and marked refused (not retried) when the resident has not accepted the template.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from integrations.wechat.client import WeChatError
from integrations.wechat.models import MsgType
from models.bot import CustomMessage, CustomMessageStatus
from models.notifications import Notification, NotificationStatus
from models.residents import Resident, ResidentStatus
from services import jobs
from services.deps import Deps


@dataclass(frozen=True, slots=True)
class Template:
    """A subscribe-message template: its WeChat id and the keys its fields go to."""

    template_id: str
    fields: tuple[str, ...]


# Our template names → the WeChat template ids registered for the mini-program.
TEMPLATES = {
    "application_decided": Template(
        "tmpl-application-decided", ("thing1", "phrase2", "thing3", "time4")
    ),
    "card_expiring": Template("tmpl-card-expiring", ("thing1", "date2", "thing3")),
    "reverification": Template("tmpl-reverification", ("thing1", "phrase2", "date3", "thing4")),
    "payment_due": Template("tmpl-payment-due", ("thing1", "amount2", "date3", "thing4")),
    "waiver_default": Template("tmpl-waiver-default", ("thing1", "amount2", "date3", "thing4")),
    "ticket_progress": Template(
        "tmpl-ticket-progress", ("character_string1", "phrase2", "thing3", "time4")
    ),
    "policy_found": Template("tmpl-policy-found", ("thing1", "thing2", "thing3")),
}

_QUOTA_RETRY_SECONDS = 3600
_REFUSED = 43101  # the user has not accepted (or has used up) this template


async def notify(
    resident_id: uuid.UUID,
    template: str,
    values: dict[str, str],
    *,
    key: str,
    page: str | None = None,
) -> Notification:
    """Queue a message (inside the caller's transaction); the same ``key`` is sent only once."""
    spec = TEMPLATES[template]
    if set(values) != set(spec.fields):
        raise ValueError(f"template {template} takes {spec.fields}, got {sorted(values)}")
    notification, created = await Notification.get_or_create(
        key=key,
        defaults={"resident_id": resident_id, "template": template, "data": values, "page": page},
    )
    if created:
        await jobs.add("notification.send", {"id": notification.id}, key=f"notification:{key}")
    return notification


@jobs.REGISTRY.handles("notification.send")
async def send(deps: Deps, payload: dict[str, Any]) -> None:
    """Job: send one queued notification through WeChat."""
    notification = await Notification.get_or_none(id=payload["id"])
    if notification is None or notification.status != NotificationStatus.PENDING:
        return
    resident = await Resident.get(id=notification.resident_id)  # type: ignore[attr-defined]
    if resident.status != ResidentStatus.ACTIVE:
        await _finish(notification, NotificationStatus.FAILED)
        return
    spec = TEMPLATES[notification.template]
    notification.attempts += 1
    await notification.save(update_fields=["attempts"])

    async def deliver(token: str) -> None:
        await deps.wechat.send_subscribe_message(
            token, resident.openid, spec.template_id, notification.data, notification.page
        )

    try:
        await deps.wechat_tokens.call(deliver)
    except WeChatError as exc:
        if exc.code == _REFUSED:
            await _finish(notification, NotificationStatus.REFUSED)
            return
        if exc.code == 45009:  # the daily quota: try again in an hour, not an error
            raise jobs.RetryLater(_QUOTA_RETRY_SECONDS, "WeChat message quota reached") from None
        raise
    await _finish(notification, NotificationStatus.SENT)


async def _finish(notification: Notification, status: NotificationStatus) -> None:
    notification.status = status
    notification.sent_at = datetime.now(UTC) if status == NotificationStatus.SENT else None
    await notification.save(update_fields=["status", "sent_at"])


async def for_resident(resident_id: uuid.UUID, limit: int = 50) -> list[Notification]:
    return await Notification.filter(resident_id=resident_id).order_by("-id").limit(limit)


# Customer-service messages (客服消息): free-form replies to a chat user, through the same outbox.
# WeChat accepts them only within 48 hours of the user's last message (45015 after that) and a
# limited number per message (45047); neither gets better by retrying.
_CUSTOM_CLOSED = frozenset({45015, 45047, 43004, 40003})  # window, count, unfollowed, bad openid


async def send_custom(
    openid: str,
    msgtype: str,
    payload: dict[str, Any],
    *,
    key: str,
    check_text: bool = False,
) -> CustomMessage:
    """Queue a customer-service message (inside the caller's transaction), sent once per ``key``.

    ``check_text`` passes the text through ``msgSecCheck`` first, for words that are not ours
    (a resident's request quoted back, a note from another platform); a text that does not
    pass is never sent.
    """
    message, created = await CustomMessage.get_or_create(
        key=key,
        defaults={
            "openid": openid,
            "msgtype": msgtype,
            "payload": payload,
            "check_text": check_text,
        },
    )
    if created:
        await jobs.add("notification.custom", {"id": message.id}, key=f"custom:{key}")
    return message


@jobs.REGISTRY.handles("notification.custom")
async def send_custom_job(deps: Deps, payload: dict[str, Any]) -> None:
    """Job: check (when asked) and send one queued customer-service message."""
    message = await CustomMessage.get_or_none(id=payload["id"])
    if message is None or message.status != CustomMessageStatus.PENDING:
        return
    message.attempts += 1
    await message.save(update_fields=["attempts"])
    text = str(message.payload.get("content") or message.payload.get("description") or "")
    try:
        if message.check_text and text:
            verdict = await deps.wechat_tokens.call(
                lambda token: deps.wechat.msg_sec_check(token, message.openid, text)
            )
            if verdict != "pass":
                await _finish_custom(message, CustomMessageStatus.BLOCKED, f"msgSecCheck {verdict}")
                return
        await deps.wechat_tokens.call(
            lambda token: deps.wechat.send_custom_message(
                token,
                message.openid,
                cast(MsgType, message.msgtype),
                message.payload,
            )
        )
    except WeChatError as exc:
        if exc.code in _CUSTOM_CLOSED:
            await _finish_custom(message, CustomMessageStatus.FAILED, f"errcode {exc.code}")
            return
        if exc.code == 45009:
            raise jobs.RetryLater(_QUOTA_RETRY_SECONDS, "WeChat message quota reached") from None
        raise
    await _finish_custom(message, CustomMessageStatus.SENT, None)


async def _finish_custom(
    message: CustomMessage, status: CustomMessageStatus, error: str | None
) -> None:
    message.status, message.last_error = status, error
    message.sent_at = datetime.now(UTC) if status == CustomMessageStatus.SENT else None
    await message.save(update_fields=["status", "last_error", "sent_at"])
