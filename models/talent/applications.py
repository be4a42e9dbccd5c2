"""Talent card applications, and evidence images for when the platform cannot confirm."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.identity.residents import Resident


class ApplicationKind(StrEnum):
    NEW = "new"
    RENEWAL = "renewal"
    UPGRADE = "upgrade"


class ApplicationStatus(StrEnum):
    APPROVED = "approved"
    PENDING_REVIEW = "pending_review"
    REJECTED = "rejected"


class ApplicationBasis(StrEnum):
    NO_PROOF = "no_proof"  # the talent platform confirmed the qualification: no paper needed
    REVIEWED = "reviewed"  # an operator decided on the evidence


class TalentApplication(Model):
    """The pending key is the resident id while the application waits: unique, so one waits."""

    id = fields.UUIDField(primary_key=True)
    resident: fields.ForeignKeyRelation[Resident] = fields.ForeignKeyField(
        "palm.Resident", related_name="talent_applications", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(ApplicationKind)
    status = fields.CharEnumField(ApplicationStatus)
    basis = fields.CharEnumField(ApplicationBasis, null=True)
    pending_key = fields.CharField(max_length=40, null=True, unique=True)
    claimed_class = fields.CharField(max_length=16, null=True)
    talent_class = fields.CharField(max_length=16, null=True)
    tier = fields.CharField(max_length=16, null=True)
    platform_reason = fields.CharField(max_length=32, null=True)
    platform_summary: dict[str, Any] | None = fields.JSONField(null=True)
    note = fields.CharField(max_length=500, null=True)
    contract_ends_on = fields.DateField(null=True)
    decision_reason = fields.CharField(max_length=200, null=True)
    decided_by: fields.ForeignKeyNullableRelation[Resident] = fields.ForeignKeyField(
        "palm.Resident", related_name="talent_decisions", null=True, on_delete=fields.SET_NULL
    )
    decided_at = fields.DatetimeField(null=True)
    card_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    evidence: fields.ReverseRelation[TalentEvidence]

    class Meta:
        table = "talent_applications"
        indexes = (("status", "created_at"),)  # the review queue


class TalentEvidence(Model):
    """An uploaded image, encrypted at rest in the data directory, purged unless attached."""

    id = fields.UUIDField(primary_key=True)
    resident: fields.ForeignKeyRelation[Resident] = fields.ForeignKeyField(
        "palm.Resident", related_name="talent_evidence", on_delete=fields.CASCADE
    )
    application: fields.ForeignKeyNullableRelation[TalentApplication] = fields.ForeignKeyField(
        "palm.TalentApplication", related_name="evidence", null=True, on_delete=fields.CASCADE
    )
    content_type = fields.CharField(max_length=20)
    size = fields.IntField()
    width = fields.IntField()
    height = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    path = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "talent_evidence"
        indexes = (("resident_id", "created_at"),)  # counting a resident's fresh uploads
