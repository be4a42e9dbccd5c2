"""信用山东 payloads: credit ratings, the dishonest-debtor list, default and repair feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from integrations.base import IdType

Rating = Literal["A+", "A", "B", "C", "D"]
RATINGS: tuple[Rating, ...] = ("A+", "A", "B", "C", "D")
"""Best first: A+ 诚信, A 守信, B 基本守信, C 失信, D 严重失信."""

FeedbackKind = Literal["default", "repair"]

# The platform names ID documents by the Ministry of Public Security's certificate codes.
CERT_TYPES: dict[IdType, str] = {"id_card": "111", "permanent_residence": "553", "passport": "414"}


class ErrCode(IntEnum):
    """信用山东 business codes (10001-10005 are the shared signature refusals)."""

    BAD_PARAMETERS = 30001
    NAME_MISMATCH = 30002
    NO_SUCH_RECORD = 30003  # a repair names a record the platform does not hold
    SERIAL_REUSED = 30004  # the same serial number with different content


@dataclass(frozen=True, slots=True)
class CreditIdentity:
    """Whom a query or a report is about, as the platform identifies people."""

    id_type: IdType
    id_number: str
    name: str

    def payload(self) -> dict[str, str]:
        return {
            "certType": CERT_TYPES[self.id_type],
            "certNo": self.id_number,
            "certName": self.name,
        }


@dataclass(frozen=True, slots=True)
class Feedback:
    """A confirmed default (or its repair) reported by a credit-using organisation.

    ``serial`` is the idempotency key: the platform keeps one record per serial, so a report
    sent twice (a retried job) is recorded once.
    """

    serial: str
    kind: FeedbackKind
    identity: CreditIdentity
    amount_fen: int
    occurred_on: date
    reporter: str  # our merchant's organisation code
    reporter_name: str
    reference: str  # our default id, so the platform's record can be traced back
    record_id: str | None = None  # repairs: the platform's record of the default

    def payload(self) -> dict[str, object]:
        body: dict[str, object] = {
            "serialNo": self.serial,
            "type": self.kind,
            **self.identity.payload(),
            "amount": self.amount_fen,
            "occurredOn": self.occurred_on.isoformat(),
            "reporter": self.reporter,
            "reporterName": self.reporter_name,
            "reference": self.reference,
        }
        if self.record_id is not None:
            body["recordId"] = self.record_id
        return body


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", validate_by_name=True)


class CreditRating(_Answer):
    """``credit/v1/rating``: the public credit evaluation, if the person has one."""

    found: bool
    rating: Rating | None = None
    score: int | None = Field(default=None, ge=0, le=1000)
    evaluated_on: date | None = Field(default=None, alias="evaluatedOn")


class DebtorStatus(_Answer):
    """``credit/v1/dishonest``: is the person on the dishonest-debtor list (失信被执行人)?"""

    listed: bool
    cases: int = Field(default=0, ge=0)


class FeedbackReceipt(_Answer):
    """``credit/v1/feedback``: the platform's record; ``duplicate`` when the serial was known."""

    record_id: str = Field(alias="recordId", min_length=1)
    duplicate: bool = False
