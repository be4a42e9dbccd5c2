"""Waivers and their history: every change is an event; defaults, disputes and care bills.

A waiver's ``status`` (and a default's) is a projection kept for queries; the events are the
record and are only ever appended. Residents are closed, never deleted, so the chain from the
account down cascades; scenes and merchants with waivers cannot be deleted.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.credit.scenes import CreditAccount, CreditScene
from models.identity.organisations import Organisation


class WaiverStatus(StrEnum):
    ACTIVE = "active"  # the deposit is waived and the item is out
    DEFAULTED = "defaulted"  # the merchant claims a loss; still counts against the limits
    CLOSED = "closed"


class CreditWaiver(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    account: fields.ForeignKeyRelation[CreditAccount] = fields.ForeignKeyField(
        "palm.CreditAccount", related_name="waivers", on_delete=fields.CASCADE
    )
    scene: fields.ForeignKeyRelation[CreditScene] = fields.ForeignKeyField(
        "palm.CreditScene", related_name="waivers", on_delete=fields.RESTRICT
    )
    merchant: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "palm.Organisation", related_name="credit_waivers", on_delete=fields.RESTRICT
    )
    amount_fen = fields.IntField()
    reference = fields.CharField(max_length=64, description="The merchant's own reference")
    status = fields.CharEnumField(WaiverStatus, default=WaiverStatus.ACTIVE)
    granted_by = fields.UUIDField(description="The staff member's resident id")
    granted_at = fields.DatetimeField()
    due_at = fields.DatetimeField()
    closed_at = fields.DatetimeField(null=True)

    events: fields.ReverseRelation[CreditWaiverEvent]

    class Meta:
        table = "credit_waivers"
        unique_together = (("merchant", "reference"),)
        # The desk lists a merchant's waivers newest first: (merchant, granted_at) serves the
        # page; the holder's own list is small enough for (account, status).
        indexes = (
            ("account_id", "status"),
            ("merchant_id", "status"),
            ("merchant_id", "granted_at"),
        )


class EventKind(StrEnum):
    GRANTED = "granted"
    RELEASED = "released"
    DEFAULTED = "defaulted"
    DISPUTED = "disputed"
    DISPUTE_UPHELD = "dispute_upheld"  # the resident was right: nothing is owed
    DISPUTE_REJECTED = "dispute_rejected"
    REPORT_QUEUED = "report_queued"  # the window passed unresolved
    REPORTED = "reported"
    REPORT_SKIPPED = "report_skipped"  # resolved before the report went out
    PAID = "paid"
    REPAIR_QUEUED = "repair_queued"
    REPAIRED = "repaired"
    BILL_OPENED = "bill_opened"
    BILL_SETTLED = "bill_settled"
    BILL_PAID = "bill_paid"


class CreditWaiverEvent(Model):
    id = fields.BigIntField(primary_key=True)
    waiver: fields.ForeignKeyRelation[CreditWaiver] = fields.ForeignKeyField(
        "palm.CreditWaiver", related_name="events", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(EventKind)
    amount_fen = fields.IntField(null=True)
    actor = fields.UUIDField(
        null=True, description="Resident id of whoever acted, null for the system"
    )
    note = fields.TextField(null=True)
    at = fields.DatetimeField()

    class Meta:
        table = "credit_waiver_events"


class DefaultStatus(StrEnum):
    OPEN = "open"  # in the dispute window: pay or dispute
    DISPUTED = "disputed"  # waiting for the credit office's decision
    UNRESOLVED = "unresolved"  # the window passed: reported, and further waivers are blocked
    RESOLVED = "resolved"


class CreditDefault(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    waiver: fields.OneToOneRelation[CreditWaiver] = fields.OneToOneField(
        "palm.CreditWaiver", related_name="default", on_delete=fields.CASCADE
    )
    account: fields.ForeignKeyRelation[CreditAccount] = fields.ForeignKeyField(
        "palm.CreditAccount", related_name="defaults", on_delete=fields.CASCADE
    )
    amount_fen = fields.IntField()
    evidence = fields.TextField()
    status = fields.CharEnumField(DefaultStatus, default=DefaultStatus.OPEN)
    resolution = fields.CharField(max_length=20, null=True)  # paid | dispute_upheld
    window_ends_at = fields.DatetimeField()
    created_at = fields.DatetimeField()
    report_queued_at = fields.DatetimeField(null=True)
    reported_at = fields.DatetimeField(null=True)
    report_record_id = fields.CharField(max_length=64, null=True)
    repaired_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "credit_defaults"
        indexes = (("status", "window_ends_at"), ("status", "created_at"))


class DisputeStatus(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # paid while pending


class CreditDispute(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    default: fields.ForeignKeyRelation[CreditDefault] = fields.ForeignKeyField(
        "palm.CreditDefault", related_name="disputes", on_delete=fields.CASCADE
    )
    reason = fields.TextField()
    status = fields.CharEnumField(DisputeStatus, default=DisputeStatus.PENDING)
    created_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)
    decided_by = fields.UUIDField(null=True)
    decision_note = fields.TextField(null=True)

    class Meta:
        table = "credit_disputes"
        indexes = (("status", "created_at"),)  # the credit office's queue


class BillStatus(StrEnum):
    OPEN = "open"  # in hospital: the amount is not known yet
    DUE = "due"  # settled at discharge, to pay within the interest-free days
    PAID = "paid"


class CareBill(Model):
    """信用就医: treatment first, the bill paid after discharge."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    waiver: fields.OneToOneRelation[CreditWaiver] = fields.OneToOneField(
        "palm.CreditWaiver", related_name="bill", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(BillStatus, default=BillStatus.OPEN)
    amount_fen = fields.IntField(null=True)
    opened_at = fields.DatetimeField()
    settled_at = fields.DatetimeField(null=True)
    due_at = fields.DatetimeField(null=True)
    paid_at = fields.DatetimeField(null=True)

    class Meta:
        table = "credit_care_bills"


class PaymentPurpose(StrEnum):
    DEFAULT = "default"
    BILL = "bill"


class CreditPayment(Model):
    """A WeChat Pay order for what a waiver's holder owes, confirmed by the payment callback."""

    id = fields.BigIntField(primary_key=True)
    out_trade_no = fields.CharField(max_length=32, unique=True)
    waiver: fields.ForeignKeyRelation[CreditWaiver] = fields.ForeignKeyField(
        "palm.CreditWaiver", related_name="payments", on_delete=fields.CASCADE
    )
    purpose = fields.CharEnumField(PaymentPurpose)
    amount_fen = fields.IntField()
    payer = fields.UUIDField(
        null=True, description="Resident id of who paid: the holder, or family acting for them"
    )
    created_at = fields.DatetimeField()
    paid_at = fields.DatetimeField(null=True)
    transaction_id = fields.CharField(max_length=64, null=True, unique=True)

    class Meta:
        table = "credit_payments"
