"""12345 tickets filed for residents, their progress, and residents' follow-ups, chases, ratings."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.identity.residents import Resident


class TicketStatus(StrEnum):
    QUEUED = "queued"  # recorded here, not yet accepted by the 12345 platform
    ACCEPTED = "accepted"  # 已受理
    ASSIGNED = "assigned"  # 已派单
    PROCESSING = "processing"  # 办理中
    REPLIED = "replied"  # 已办结
    CLOSED = "closed"  # 已回访, nothing more will happen


class Ticket(Model):
    """A 12345 request filed through the bot, with who filed it and where it stands."""

    id = fields.BigIntField(primary_key=True)
    number = fields.CharField(max_length=20, unique=True)  # ours, told to the resident
    platform_no = fields.CharField(max_length=40, null=True, unique=True)  # the hotline's
    openid = fields.CharField(max_length=64, db_index=True)  # the chat the progress goes to
    resident: fields.ForeignKeyNullableRelation[Resident] = fields.ForeignKeyField(
        "palm.Resident", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    category = fields.CharField(max_length=32)
    description_enc = fields.TextField()
    contact_enc = fields.TextField(null=True)  # a phone number, only with consent
    consent = fields.BooleanField(default=False)
    lang = fields.CharField(max_length=2, default="zh")  # the language progress is told in
    status = fields.CharEnumField(TicketStatus, default=TicketStatus.QUEUED)
    last_seq = fields.IntField(default=0)  # the newest platform event applied
    source_key = fields.CharField(max_length=200, unique=True)  # the message that filed it
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    events: fields.ReverseRelation[TicketEvent]
    actions: fields.ReverseRelation[TicketAction]

    class Meta:
        table = "bot_tickets"


class TicketEvent(Model):
    """One status change reported by the platform, numbered by its sequence."""

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "palm.Ticket", related_name="events", on_delete=fields.CASCADE
    )
    seq = fields.IntField()
    status = fields.CharEnumField(TicketStatus)
    note = fields.CharField(max_length=500, default="")
    at = fields.DatetimeField()

    class Meta:
        table = "bot_ticket_events"
        unique_together = (("ticket", "seq"),)


class ActionKind(StrEnum):
    FOLLOW_UP = "follow_up"  # 补充诉求: more detail from the resident
    CHASE = "chase"  # 催办: no progress for too long
    RATING = "rating"  # 评价: satisfaction with the answer


class ActionStatus(StrEnum):
    PENDING = "pending"  # recorded; the platform has not taken it yet (a job retries)
    SENT = "sent"  # taken by the platform
    REFUSED = "refused"  # the platform said no (its code in ``error``)


class TicketAction(Model):
    """Something the resident did to a ticket after filing it, handed to the 12345 platform."""

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "palm.Ticket", related_name="actions", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(ActionKind)
    key = fields.CharField(max_length=40, unique=True)  # sent as actionId: retries are one
    # "rating:<ticket id>" while a rating is pending or sent: one rating per ticket, held by
    # the database; cleared when the platform refuses, so the resident may rate again.
    once = fields.CharField(max_length=40, null=True, unique=True)
    text_enc = fields.TextField(null=True)  # the follow-up or the rating's comment
    score = fields.SmallIntField(null=True)  # 1..5, ratings only
    status = fields.CharEnumField(ActionStatus, default=ActionStatus.PENDING)
    error = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "bot_ticket_actions"
