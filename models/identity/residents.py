"""A resident: one WeChat identity, one verified real name, grants for staff roles."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.identity.organisations import Organisation


class IdType(StrEnum):
    ID_CARD = "id_card"
    PERMANENT_RESIDENCE = "permanent_residence"
    PASSPORT = "passport"


class Language(StrEnum):
    """What a resident reads: notifications, the bot's answers, error messages."""

    ZH = "zh"
    EN = "en"


class ResidentStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class Resident(Model):
    """Personal fields are stored encrypted (``*_enc``) with keyed hashes for look-ups."""

    id = fields.UUIDField(primary_key=True)
    openid = fields.CharField(max_length=64, unique=True)
    unionid = fields.CharField(max_length=64, null=True, db_index=True)
    session_key_enc = fields.TextField(null=True)
    status = fields.CharEnumField(ResidentStatus, default=ResidentStatus.ACTIVE)
    name_enc = fields.TextField(null=True)
    id_type = fields.CharEnumField(IdType, null=True)
    id_number_enc = fields.TextField(null=True)
    id_number_hash = fields.CharField(max_length=64, null=True, unique=True)
    birth_date = fields.DateField(null=True)
    sex = fields.CharField(max_length=1, null=True)
    nationality = fields.CharField(max_length=3, null=True)
    phone_enc = fields.TextField(null=True)
    phone_hash = fields.CharField(max_length=64, null=True, db_index=True)
    verified_at = fields.DatetimeField(null=True)
    # None: not chosen, so the phone's Accept-Language decides (Chinese when it says nothing).
    language = fields.CharEnumField(Language, max_length=2, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    grants: fields.ReverseRelation[Grant]

    class Meta:
        table = "residents"


class Role(StrEnum):
    MERCHANT_STAFF = "merchant_staff"
    CLINICIAN = "clinician"
    OPERATOR = "operator"


class Grant(Model):
    """A staff role held by a resident, bound to an organisation (operators also carry scopes)."""

    id = fields.BigIntField(primary_key=True)
    resident: fields.ForeignKeyRelation[Resident] = fields.ForeignKeyField(
        "palm.Resident", related_name="grants", on_delete=fields.CASCADE
    )
    role = fields.CharEnumField(Role)
    organisation: fields.ForeignKeyNullableRelation[Organisation] = fields.ForeignKeyField(
        "palm.Organisation", related_name="grants", null=True, on_delete=fields.RESTRICT
    )
    scopes = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "grants"
        unique_together = (("resident", "role", "organisation"),)
