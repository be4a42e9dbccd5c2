"""Customer-service messages (客服消息): free-form messages to a chat user, through the outbox.

WeChat accepts them only within 48 hours of the user's last message (45015 after that) and a
limited number per message (45047); neither gets better by retrying. One about a resident
(ticket progress, not a chat reply) also goes to their inbox, given a ``Notice``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from integrations.wechat.client import WeChatError
from integrations.wechat.models import MsgType
from models.bot.messages import CustomMessage, CustomMessageStatus
from models.notifications import Notification, NotificationChannel, NotificationStatus
from services import jobs
from services.deps import Deps
from services.notification_texts import check_values

_QUOTA_RETRY_SECONDS = 3600
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
        check_values(notice.template, notice.values, notice.values_en)
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
