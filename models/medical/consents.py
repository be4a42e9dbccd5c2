"""Consents a patient gives a clinician for mutual recognition of results."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.identity.residents import Resident


class ConsentStatus(StrEnum):
    ISSUED = "issued"
    USED = "used"
    REVOKED = "revoked"


class MedicalConsent(Model):
    """A consent code for mutual recognition: which results, for about ten minutes, used once.

    Its id is the code's subject. The member it was made for is resolved again when the code
    is scanned, so a delegation that ended in between voids it.
    """

    id = fields.UUIDField(primary_key=True)
    resident: fields.ForeignKeyRelation[Resident] = fields.ForeignKeyField(
        "palm.Resident", related_name="medical_consents", on_delete=fields.CASCADE
    )
    member = fields.CharField(max_length=36)  # "self" or a delegation id
    patient_key = fields.CharField(max_length=64, db_index=True)
    kinds = fields.CharField(max_length=32)  # comma-separated: lab, imaging
    status = fields.CharEnumField(ConsentStatus, default=ConsentStatus.ISSUED)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    clinician_id = fields.UUIDField(null=True)
    organisation = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "medical_consents"

    @property
    def kind_set(self) -> frozenset[str]:
        return frozenset(filter(None, self.kinds.split(",")))
