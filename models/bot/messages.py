"""Customer-service chat messages queued for one WeChat user, sent once through the outbox."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class CustomMessageStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    BLOCKED = "blocked"  # msgSecCheck did not pass the text: never sent
    FAILED = "failed"  # WeChat refused for good (window closed, user gone) or retries ran out


class CustomMessage(Model):
    """A customer-service message queued for one chat user, sent once through the outbox."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=200, unique=True)
    openid = fields.CharField(max_length=64, db_index=True)
    msgtype = fields.CharField(max_length=20)
    payload: dict[str, Any] = fields.JSONField()
    check_text = fields.BooleanField(default=False)  # pass msgSecCheck before sending
    status = fields.CharEnumField(CustomMessageStatus, default=CustomMessageStatus.PENDING)
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "bot_custom_messages"
