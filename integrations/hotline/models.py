"""12345 hotline payloads: tickets, their progress events, and the platform's error codes."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["accepted", "assigned", "processing", "replied", "closed"]
STATUSES: tuple[Status, ...] = ("accepted", "assigned", "processing", "replied", "closed")

# The platform's request categories (诉求分类), by code.
CATEGORIES = {
    "JT": "交通出行",
    "YL": "医疗卫生",
    "RC": "人才就业",
    "XY": "信用金融",
    "CS": "城市管理",
    "ZW": "政务服务",
    "QT": "其他",
}
MAX_CONTENT = 2000
MAX_FOLLOW_UP = 500  # 补充诉求 and an evaluation's comment
# The platform takes a chase (催办) only after this long without progress, and at most one per
# such period: its published rule, checked by us first and enforced by it.
CHASE_AFTER_HOURS = 24
ActionKind = Literal["follow_up", "chase", "rating"]


class ErrCode(IntEnum):
    BAD_PARAMETERS = 20001
    UNKNOWN_CATEGORY = 20002
    NO_SUCH_TICKET = 20003
    CONTENT_TOO_LONG = 20004
    TICKET_CLOSED = 20005  # no follow-up to a closed ticket, no chase once answered
    NOT_ANSWERED = 20006  # a rating before the answer
    ALREADY_RATED = 20007
    TOO_EARLY_TO_CHASE = 20008


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class TicketReceipt(_Answer):
    """``tickets`` create: the platform's number for the request, and its first status."""

    ticket_no: str = Field(alias="ticketNo", min_length=1)
    status: Status
    accepted_at: datetime = Field(alias="acceptedAt")


class ActionReceipt(_Answer):
    """A follow-up, chase or evaluation the platform took: its number and when."""

    action_no: str = Field(alias="actionNo", min_length=1, max_length=40)
    ticket_no: str = Field(alias="ticketNo")
    kind: ActionKind
    accepted_at: datetime = Field(alias="acceptedAt")


class ProgressEvent(_Answer):
    """One step of a ticket: numbered from 1, in order."""

    seq: int = Field(ge=1)
    status: Status
    note: str = Field(default="", max_length=500)
    at: datetime


class TicketProgress(_Answer):
    """``tickets/query``: where a ticket stands and every step so far."""

    ticket_no: str = Field(alias="ticketNo")
    external_id: str = Field(alias="externalId")
    status: Status
    events: list[ProgressEvent]


class ProgressPush(_Answer):
    """What the platform posts to our callback when a ticket moves on."""

    event: Literal["ticket.progress"]
    ticket_no: str = Field(alias="ticketNo", min_length=1, max_length=40)
    external_id: str = Field(alias="externalId", min_length=1, max_length=20)
    seq: int = Field(ge=1)
    status: Status
    note: str = Field(default="", max_length=500)
    at: datetime
