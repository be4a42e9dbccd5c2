"""Messages to residents, kept with their delivery state: the resident's inbox in the app.

Each row is one notice: a WeChat subscribe message, or a customer-service message about the
resident (``channel``). Columns added after the first release are nullable, because the
nightly batch insert (services/transit/notify_many.py) writes rows in plain SQL.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.identity.residents import Resident


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    REFUSED = "refused"  # the resident has not accepted this template: not retried
    FAILED = "failed"  # gave up after retries


class NotificationChannel(StrEnum):
    SUBSCRIBE = "subscribe"  # a subscribe message (also what a null channel means)
    MESSAGE = "message"  # a customer-service message in the chat; sent as a CustomMessage


class Notification(Model):
    id = fields.BigIntField(primary_key=True)
    resident: fields.ForeignKeyRelation[Resident] = fields.ForeignKeyField(
        "palm.Resident", related_name="notifications", on_delete=fields.CASCADE
    )
    template = fields.CharField(max_length=64)
    data: dict[str, str] = fields.JSONField()
    data_en: dict[str, str] | None = fields.JSONField(null=True)  # the values in English
    channel = fields.CharEnumField(NotificationChannel, max_length=16, null=True)
    page = fields.CharField(max_length=200, null=True)
    key = fields.CharField(max_length=200, unique=True)
    status = fields.CharEnumField(NotificationStatus, default=NotificationStatus.PENDING)
    attempts = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)
    read_at = fields.DatetimeField(null=True)  # opened in the app's inbox

    class Meta:
        table = "notifications"
