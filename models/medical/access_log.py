"""The access log patients read: every look at their records, hash-chained.

No medical content is stored in clear: a log entry's description of what was read is
encrypted (``detail_enc``); patients are named by a keyed hash of their ID number.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


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
    """One access, chained to the patient's entry before (append-only: never updated or deleted).

    Each patient has a chain of their own, numbered 1, 2, … without gaps (``seq`` is unique per
    patient). ``entry_hash`` is a keyed hash over every other column and ``prev_hash``, so an
    edited, inserted or deleted row breaks the chain at that point.
    """

    id = fields.BigIntField(primary_key=True)
    patient_key = fields.CharField(max_length=64)
    seq = fields.BigIntField()
    at = fields.DatetimeField()
    actor_id = fields.UUIDField()  # not a foreign key: closing an account must not edit the log
    organisation = fields.CharField(max_length=64, null=True)
    action = fields.CharEnumField(AccessAction)
    reason = fields.CharEnumField(AccessReason)
    basis_id = fields.UUIDField(null=True)  # the delegation or consent that allowed it
    record_ref = fields.CharField(max_length=80, null=True)
    detail_enc = fields.TextField(null=True)
    prev_hash = fields.CharField(max_length=64)
    entry_hash = fields.CharField(max_length=64)

    class Meta:
        table = "medical_access_log"
        unique_together = (("patient_key", "seq"),)  # also the index a patient's page reads


class AccessLogHead(Model):
    """A patient's last entry (one row per patient): the row their appends lock.

    So appends for different patients never wait for each other, and entries removed from the
    end of a chain show.
    """

    patient_key = fields.CharField(max_length=64, primary_key=True)
    seq = fields.BigIntField()
    entry_hash = fields.CharField(max_length=64)

    class Meta:
        table = "medical_access_log_heads"
