"""Messages to residents: WeChat subscribe messages, queued through the outbox, sent once.

Every service notifies through ``notify``; the message is recorded in the caller's transaction
and sent by a job: retried with backoff on outages and quota errors, never sent twice for one
``key``, and marked refused (not retried) when the resident has not accepted the template.
Every notice also stays in the resident's inbox (``services.inbox``), refused or not, and a
customer-service message about a resident joins it when sent with a ``Notice``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from integrations.wechat.client import WeChatError
from integrations.wechat.models import MsgType
from models.bot import CustomMessage, CustomMessageStatus
from models.notifications import Notification, NotificationChannel, NotificationStatus
from models.residents import Language, Resident, ResidentStatus
from services import jobs
from services.deps import Deps
from services.notification_texts import TEMPLATES, Template, fits

__all__ = ["TEMPLATES", "Notice", "Template", "notify", "send_custom"]


_QUOTA_RETRY_SECONDS = 3600
_REFUSED = 43101  # the user has not accepted (or has used up) this template


def _check(template: str, *values: dict[str, str] | None) -> None:
    spec = TEMPLATES[template]
    for given in values:
        if given is not None and set(given) != set(spec.fields):
            raise ValueError(f"template {template} takes {spec.fields}, got {sorted(given)}")


async def notify(
    resident_id: uuid.UUID,
    template: str,
    values: dict[str, str],
    *,
    key: str,
    page: str | None = None,
    values_en: dict[str, str] | None = None,
) -> Notification:
    """Queue a message (inside the caller's transaction); the same ``key`` is sent only once.

    ``values_en``: the same fields in English, sent to (and shown for) residents who read
    English; without them they get the Chinese values.
    """
    _check(template, values, values_en)
    notification, created = await Notification.get_or_create(
        key=key,
        defaults={"resident_id": resident_id, "template": template, "data": values,
                  "data_en": values_en, "page": page, "channel": NotificationChannel.SUBSCRIBE},
    )  # fmt: skip
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

    english = notification.data_en if resident.language == Language.EN else None
    data = english if english and fits(english) else notification.data

    async def deliver(token: str) -> None:
        await deps.wechat.send_subscribe_message(
            token, resident.openid, spec.template_id, data, notification.page
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


# Customer-service messages (客服消息): free-form replies to a chat user, through the same outbox.
# WeChat accepts them only within 48 hours of the user's last message (45015 after that) and a
# limited number per message (45047); neither gets better by retrying.
_CUSTOM_CLOSED = frozenset({45015, 45047, 43004, 40003})  # window, count, unfollowed, bad openid


@dataclass(frozen=True, slots=True)
class Notice:
    """What a customer-service message tells a resident, kept in their inbox like a template."""

    resident_id: uuid.UUID
    template: str
    values: dict[str, str]
    values_en: dict[str, str] | None = None
    page: str | None = None


async def send_custom(
    openid: str,
    msgtype: str,
    payload: dict[str, Any],
    *,
    key: str,
    check_text: bool = False,
    notice: Notice | None = None,
) -> CustomMessage:
    """Queue a customer-service message (inside the caller's transaction), sent once per ``key``.

    ``check_text`` passes the text through ``msgSecCheck`` first, for words that are not ours
    (a resident's request quoted back, a note from another platform); a text that does not
    pass is never sent. A ``notice`` puts the message in the resident's inbox (a chat reply
    needs none): its state there follows the message's.
    """
    if notice is not None:
        _check(notice.template, notice.values, notice.values_en)
        await Notification.get_or_create(
            key=key,
            defaults={"resident_id": notice.resident_id, "template": notice.template,
                      "data": notice.values, "data_en": notice.values_en, "page": notice.page,
                      "channel": NotificationChannel.MESSAGE},
        )  # fmt: skip
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
    inbox = Notification.filter(key=message.key, channel=NotificationChannel.MESSAGE)
    if status == CustomMessageStatus.BLOCKED:  # words the content check refused: not shown
        await inbox.delete()
        return
    sent = status == CustomMessageStatus.SENT
    await inbox.update(
        status=NotificationStatus.SENT if sent else NotificationStatus.FAILED,
        sent_at=message.sent_at,
    )
