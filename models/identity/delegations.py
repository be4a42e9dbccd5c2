"""Delegations: a resident acting for a family member who agreed, within scopes, until expiry."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.identity.residents import Resident


class Relation(StrEnum):
    CHILD = "child"  # the subject is the delegate's minor child
    PARENT = "parent"  # the subject is the delegate's parent


class DelegationStatus(StrEnum):
    PENDING = "pending"  # waiting for the subject's confirmation
    ACTIVE = "active"
    REVOKED = "revoked"
    DECLINED = "declined"


class DelegationBasis(StrEnum):
    HOUSEHOLD_REGISTER = "household_register"  # a minor in the delegate's household (爱山东)
    SUBJECT_CONFIRMED = "subject_confirmed"  # the adult subject confirmed in the mini-program


class Delegation(Model):
    """The subject may have no account (a child): they are identified by their ID number."""

    id = fields.UUIDField(primary_key=True)
    delegate: fields.ForeignKeyRelation[Resident] = fields.ForeignKeyField(
        "palm.Resident", related_name="delegations_held", on_delete=fields.CASCADE
    )
    subject_resident: fields.ForeignKeyNullableRelation[Resident] = fields.ForeignKeyField(
        "palm.Resident", related_name="delegations_given", null=True, on_delete=fields.SET_NULL
    )
    subject_name_enc = fields.TextField()
    subject_id_number_enc = fields.TextField()
    subject_id_hash = fields.CharField(max_length=64, db_index=True)
    subject_birth_date = fields.DateField()
    relation = fields.CharEnumField(Relation)
    scopes = fields.CharField(max_length=64)
    status = fields.CharEnumField(DelegationStatus, default=DelegationStatus.PENDING)
    basis = fields.CharEnumField(DelegationBasis)
    created_at = fields.DatetimeField(auto_now_add=True)
    confirmed_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "delegations"
        unique_together = (("delegate", "subject_id_hash"),)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(filter(None, self.scopes.split(",")))
