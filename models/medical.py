"""Medical records: the access log patients read (hash-chained) and consents for recognition.

No medical content is stored in clear: a log entry's description of what was read is
encrypted (``detail_enc``); patients are named by a keyed hash of their ID number.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.residents import Resident


class AccessAction(StrEnum):
    LIST = "list"  # a list of records was shown
    READ = "read"  # one record with its results
    DOCUMENT = "document"  # a report file was downloaded
    RECOGNITION = "recognition"  # a clinician read recognisable results
    REVOKE = "revoke"  # the patient (or their delegate) withdrew a consent
    REFUSED = "refused"  # a clinician's read was refused: the consent had been withdrawn


class AccessReason(StrEnum):
    SELF = "self"  # the patient themself
    FAMILY = "family"  # a delegate with a medical-scope delegation
    MUTUAL_RECOGNITION = "mutual_recognition"  # a clinician, with the patient's consent code


class AccessLogEntry(Model):
    """One access, chained to the one before (append-only: never updated or deleted).

    ``entry_hash`` is a keyed hash over every other column and ``prev_hash``, so an edited,
    inserted or deleted row breaks the chain at that point.
    """

    id = fields.BigIntField(primary_key=True)
    seq = fields.BigIntField(unique=True)
    at = fields.DatetimeField()
    patient_key = fields.CharField(max_length=64, db_index=True)
    actor_id = fields.UUIDField()  # not a foreign key: closing an account must not edit the log
    organisation = fields.CharField(max_length=64, null=True)
    action = fields.CharEnumField(AccessAction)
    reason = fields.CharEnumField(AccessReason)
    basis_id = fields.UUIDField(null=True)  # the delegation or consent that allowed it
    record_ref = fields.CharField(max_length=80, null=True)
    detail_enc = fields.TextField(null=True)
    prev_hash = fields.CharField(max_length=64)
    entry_hash = fields.CharField(max_length=64, unique=True)

    class Meta:
        table = "medical_access_log"


class AccessLogHead(Model):
    """The chain's last entry (one row), so that removing entries from the end shows too."""

    id = fields.SmallIntField(primary_key=True)
    seq = fields.BigIntField()
    entry_hash = fields.CharField(max_length=64)

    class Meta:
        table = "medical_access_log_head"


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
