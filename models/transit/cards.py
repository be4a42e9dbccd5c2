"""Special-group bus cards, granted and re-verified from data (no uploads)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.transit.accounts import TransitAccount


class CardKind(StrEnum):
    SENIOR = "senior"  # from the age in the verified ID
    DISABILITY = "disability"  # 残疾人证 (爱山东 electronic licence)
    PREFERENTIAL_CARE = "preferential_care"  # 优抚对象 (veterans' families)
    STUDENT = "student"  # student status (education record)


class CardState(StrEnum):
    ACTIVE = "active"
    REVIEW = "review"  # certificate from outside the city: checked in person
    SUSPENDED = "suspended"  # no longer eligible (certificate expired or withdrawn)


class SpecialCard(Model):
    """One card per account. ``next_check_at`` drives the annual job, ``claimed_until`` its
    workers (a card is worked on by one worker at a time).
    """

    id = fields.UUIDField(primary_key=True)
    account: fields.OneToOneRelation[TransitAccount] = fields.OneToOneField(
        "palm.TransitAccount", related_name="special_card", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(CardKind)
    group = fields.SmallIntField()  # the code attribute (codes.fields.Group)
    state = fields.CharEnumField(CardState, default=CardState.ACTIVE)
    certificate_no = fields.CharField(max_length=64, null=True)
    certificate_issuer_code = fields.CharField(max_length=12, null=True)
    certificate_valid_until = fields.DateField(null=True)
    valid_until = fields.DateField()
    next_check_at = fields.DatetimeField(db_index=True)
    notified_for = fields.DateField(null=True)  # the due date a reminder went out for
    claimed_until = fields.DatetimeField(null=True)
    claim_token = fields.CharField(max_length=32, null=True, db_index=True)
    checked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "transit_special_cards"


class RunStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"  # stopped by an error: its cards are due again at the next run


class ReverificationRun(Model):
    """One worker's pass over the cards due (the nightly cron, or an operator's request)."""

    id = fields.BigIntField(primary_key=True)
    trigger = fields.CharField(max_length=16)  # schedule | operator
    requested_by = fields.UUIDField(null=True)  # the operator, for a run on demand
    status = fields.CharEnumField(RunStatus, default=RunStatus.RUNNING)
    started_at = fields.DatetimeField(db_index=True)
    finished_at = fields.DatetimeField(null=True)
    renewed = fields.IntField(default=0)
    downgraded = fields.IntField(default=0)
    suspended = fields.IntField(default=0)
    in_person = fields.IntField(default=0)
    postponed = fields.IntField(default=0)  # 爱山东 did not answer: due again next run

    class Meta:
        table = "transit_reverification_runs"


class CheckOutcome(StrEnum):
    RENEWED = "renewed"
    DOWNGRADED = "downgraded"  # the certificate lapsed, the rider's age still gives a fare
    SUSPENDED = "suspended"
    IN_PERSON = "in_person"  # a certificate from outside the city: checked at a counter


class CardCheck(Model):
    """What one run decided about one card (the card's history, for operators and disputes)."""

    id = fields.BigIntField(primary_key=True)
    run: fields.ForeignKeyRelation[ReverificationRun] = fields.ForeignKeyField(
        "palm.ReverificationRun", related_name="checks", on_delete=fields.CASCADE
    )
    card: fields.ForeignKeyRelation[SpecialCard] = fields.ForeignKeyField(
        "palm.SpecialCard", related_name="checks", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(CardKind)  # the card's kind after the check
    outcome = fields.CharEnumField(CheckOutcome)
    valid_until = fields.DateField(null=True)
    checked_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "transit_card_checks"
        indexes = (("run_id", "checked_at"),)
