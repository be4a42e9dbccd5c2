"""Messages to residents: WeChat subscribe messages, queued through the outbox, sent once.

Every service notifies through ``notify``; the message is recorded in the caller's transaction
and sent by a job: retried with backoff on outages and quota errors, never sent twice for one
``key``, and marked refused (not retried) when the resident has not accepted the template.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from integrations.wechat.client import WeChatError
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
