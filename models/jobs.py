"""The outbox: work that must not be lost, written in the same transaction as its cause."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class OutboxMessage(Model):
    """One unit of background work. Its ``key`` makes adding it idempotent."""

    id = fields.BigIntField(primary_key=True)
    topic = fields.CharField(max_length=64)
    key = fields.CharField(max_length=200, unique=True)
    payload: dict[str, Any] = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)
    available_at = fields.DatetimeField(db_index=True)
    claimed_until = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=300, null=True)
    done_at = fields.DatetimeField(null=True, db_index=True)
    dead_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox"
