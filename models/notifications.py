"""Messages to residents (WeChat subscribe messages), kept with their delivery state."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.residents import Resident


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    REFUSED = "refused"  # the resident has not accepted this template: not retried
    FAILED = "failed"  # gave up after retries


class Notification(Model):
    id = fields.BigIntField(primary_key=True)
    resident: fields.ForeignKeyRelation[Resident] = fields.ForeignKeyField(
        "palm.Resident", related_name="notifications", on_delete=fields.CASCADE
    )
    template = fields.CharField(max_length=64)
    data: dict[str, str] = fields.JSONField()
    page = fields.CharField(max_length=200, null=True)
    key = fields.CharField(max_length=200, unique=True)
    status = fields.CharEnumField(NotificationStatus, default=NotificationStatus.PENDING)
    attempts = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notifications"
