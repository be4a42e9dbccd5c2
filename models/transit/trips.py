"""Taps uploaded by validators and the trips they become."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.identity.devices import Device
from models.transit.accounts import TransitAccount, TransitPayment
from models.transit.fares import FareClass


class TapState(StrEnum):
    RECEIVED = "received"  # stored, not yet priced
    TRIP = "trip"  # became a trip
    DUPLICATE = "duplicate"  # the same code was used before (this or another validator)
    REJECTED = "rejected"  # the code does not verify for the time of the tap


class Tap(Model):
    """One scan as a validator reported it. Its validator and tap id make uploads idempotent.

    Tap ids are each validator's own counter: two validators may well use the same one.
    """

    id = fields.BigIntField(primary_key=True)
    tap_id = fields.CharField(max_length=64)
    device: fields.ForeignKeyRelation[Device] = fields.ForeignKeyField(
        "palm.Device", related_name="taps", on_delete=fields.CASCADE
    )
    batch = fields.CharField(max_length=64, db_index=True)
    code = fields.TextField()  # the QR text as scanned (base45)
    line = fields.CharField(max_length=16)
    vehicle = fields.CharField(max_length=32)
    stop = fields.CharField(max_length=32)
    tapped_at = fields.DatetimeField()
    shown_result = fields.CharField(max_length=32)
    state = fields.CharEnumField(TapState, default=TapState.RECEIVED)
    reason = fields.CharField(max_length=32, null=True)
    received_at = fields.DatetimeField()

    class Meta:
        table = "transit_taps"
        unique_together = (("device", "tap_id"),)


class ConflictStatus(StrEnum):
    OPEN = "open"  # waiting for an operator
    ACCEPTED = "accepted"  # taken as a ride of its own (priced like any tap)
    DISMISSED = "dismissed"  # the validator's mistake: no ride


class TapConflict(Model):
    """A tap re-sent by its validator with a known tap id but other content, for operators.

    Never silently dropped (it may be a real ride after a validator's counter was reset). One
    row per distinct content, so a retried upload records it once.
    """

    id = fields.BigIntField(primary_key=True)
    original: fields.ForeignKeyRelation[Tap] = fields.ForeignKeyField(
        "palm.Tap", related_name="conflicts", on_delete=fields.CASCADE
    )
    device: fields.ForeignKeyRelation[Device] = fields.ForeignKeyField(
        "palm.Device", related_name="tap_conflicts", on_delete=fields.CASCADE
    )
    tap_id = fields.CharField(max_length=64)  # the validator's, as on ``original``
    digest = fields.CharField(max_length=64)  # SHA-256 of the conflicting content
    batch = fields.CharField(max_length=64)
    code = fields.TextField()
    line = fields.CharField(max_length=16)
    vehicle = fields.CharField(max_length=32)
    stop = fields.CharField(max_length=32)
    tapped_at = fields.DatetimeField()
    shown_result = fields.CharField(max_length=32)
    status = fields.CharEnumField(ConflictStatus, default=ConflictStatus.OPEN)
    received_at = fields.DatetimeField(db_index=True)
    resolved_at = fields.DatetimeField(null=True)
    resolved_by = fields.UUIDField(null=True)  # the operator (a resident id)
    accepted_as: fields.ForeignKeyNullableRelation[Tap] = fields.ForeignKeyField(
        "palm.Tap", related_name="accepted_conflict", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "transit_tap_conflicts"
        unique_together = (("original", "digest"),)


class TripStatus(StrEnum):
    UNSETTLED = "unsettled"
    SETTLED = "settled"  # paid, or nothing to pay
    FAILED = "failed"  # the deduction failed: the fare is in arrears


class Trip(Model):
    """A priced ride. One per code: a code shown twice is a duplicate, not a second trip."""

    id = fields.BigIntField(primary_key=True)
    tap: fields.OneToOneRelation[Tap] = fields.OneToOneField(
        "palm.Tap", related_name="trip", on_delete=fields.CASCADE
    )
    code_id = fields.CharField(max_length=32, unique=True)
    account: fields.ForeignKeyRelation[TransitAccount] = fields.ForeignKeyField(
        "palm.TransitAccount", related_name="trips", on_delete=fields.CASCADE
    )
    line = fields.CharField(max_length=16)
    tapped_at = fields.DatetimeField()
    service_date = fields.DateField()  # the day in Weihai (UTC+8)
    fare_class = fields.CharEnumField(FareClass)
    base_fare_fen = fields.IntField()
    fare_fen = fields.IntField()
    transfer = fields.BooleanField(default=False)
    status = fields.CharEnumField(TripStatus, default=TripStatus.UNSETTLED)
    payment: fields.ForeignKeyNullableRelation[TransitPayment] = fields.ForeignKeyField(
        "palm.TransitPayment", related_name="trips", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "transit_trips"
        indexes = (("account_id", "service_date"), ("line", "service_date"))
