"""Ride accounts: who rides (by ID number), who pays, how, and what is owed."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.identity.residents import Resident


class PaymentMethod(StrEnum):
    DEDUCTION = "deduction"  # WeChat Pay deducts the day's fares after the ride
    PREPAID = "prepaid"  # fares come off a balance topped up in advance


class AccountStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class TransitAccount(Model):
    """One per rider. The id is the subject carried in ride codes and the revocation list."""

    id = fields.UUIDField(primary_key=True)
    rider_hash = fields.CharField(max_length=64, unique=True)  # keyed hash of the ID number
    rider_id_number_enc = fields.TextField()
    rider_birth_date = fields.DateField()
    rider: fields.ForeignKeyNullableRelation[Resident] = fields.ForeignKeyField(
        "palm.Resident", related_name="transit_rides", null=True, on_delete=fields.SET_NULL
    )
    payer: fields.ForeignKeyRelation[Resident] = fields.ForeignKeyField(
        "palm.Resident", related_name="transit_accounts_paid", on_delete=fields.CASCADE
    )
    payment_method = fields.CharEnumField(PaymentMethod)
    contract_id = fields.CharField(max_length=64, null=True)  # the deduction contract
    status = fields.CharEnumField(AccountStatus, default=AccountStatus.ACTIVE)
    balance_fen = fields.BigIntField(default=0)
    arrears_fen = fields.BigIntField(default=0)
    terms_version = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "transit_accounts"


class PaymentKind(StrEnum):
    DEDUCTION = "deduction"  # the daily settlement of a post-paid rider
    LATE = "late"  # trips uploaded after their day was settled
    REPAYMENT = "repayment"  # arrears deducted again at the rider's request
    TOP_UP = "top_up"  # a prepaid balance topped up through JSAPI


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class TransitPayment(Model):
    """One WeChat Pay order. Its out_trade_no makes every retry and callback idempotent."""

    id = fields.BigIntField(primary_key=True)
    out_trade_no = fields.CharField(max_length=32, unique=True)
    account: fields.ForeignKeyRelation[TransitAccount] = fields.ForeignKeyField(
        "palm.TransitAccount", related_name="payments", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(PaymentKind)
    amount_fen = fields.BigIntField()
    status = fields.CharEnumField(PaymentStatus, default=PaymentStatus.PENDING)
    transaction_id = fields.CharField(max_length=64, null=True)
    business_date = fields.DateField(null=True)  # the service day a deduction settles
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "transit_payments"
        unique_together = (("account", "kind", "business_date"),)
