"""Messages to residents: WeChat subscribe messages, queued through the outbox, sent once.

Every service notifies through ``notify``; the message is recorded in the caller's transaction
and sent by a job: retried with backoff on outages and quota errors, never sent twice for one
``key``, and marked refused (not retried) when the resident has not accepted the template.
Every notice also stays in the resident's inbox (``services.inbox``), refused or not, and a
customer-service message about a resident joins it when sent with a ``Notice``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from integrations.wechat.client import WeChatError
from models.identity.residents import Language, Resident, ResidentStatus
from models.notifications import Notification, NotificationChannel, NotificationStatus
from services import jobs
from services.custom_messages import Notice, send_custom
from services.deps import Deps
from services.notification_texts import TEMPLATES, Template, check_values, fits

__all__ = ["TEMPLATES", "Notice", "Template", "notify", "send_custom"]


_QUOTA_RETRY_SECONDS = 3600
_REFUSED = 43101  # the user has not accepted (or has used up) this template


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
    check_values(template, values, values_en)
    notification, created = await Notification.get_or_create(
        key=key,
        defaults={"resident_id": resident_id, "template": template, "data": values,
                  "data_en": values_en, "page": page, "channel": NotificationChannel.SUBSCRIBE},
    )  # fmt: skip
    if created:
        await jobs.add("notification.send", {"id": notification.id}, key=f"notification:{key}")
    return notification


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
