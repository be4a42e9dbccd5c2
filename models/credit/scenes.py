"""Credit-based deposit waivers: scenes with their policies, merchants bound to them, accounts.

Waivers and everything that happens to them are in ``models.credit.waivers``.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.identity.organisations import Organisation
from models.identity.residents import Resident


class SceneKind(StrEnum):
    LIBRARY = "library_borrowing"
    TALENT_APARTMENT = "talent_apartment"
    HOTEL = "hotel"
    RENTAL = "rental"
    RENOVATION = "renovation"
    HOSPITAL = "hospital_admission"  # 信用就医: also opens a bill paid after discharge


class Rating(StrEnum):
    """The public credit rating bands, best first (信用山东)."""

    A_PLUS = "A+"
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class CreditScene(Model):
    """A kind of deposit and the policy operators set for waiving it."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    kind = fields.CharEnumField(SceneKind)
    name_zh = fields.CharField(max_length=60)
    name_en = fields.CharField(max_length=100)
    deposit_fen = fields.IntField(description="The deposit a waiver may cover, at most")
    min_rating = fields.CharEnumField(Rating)
    resident_limit_fen = fields.IntField(description="Outstanding waived per resident here")
    max_days = fields.IntField(description="A waiver is due back after this many days")
    debtor_blocks = fields.BooleanField(default=True)
    dispute_window_days = fields.IntField(default=7)
    bill_free_days = fields.IntField(default=10, description="Care bills: interest-free days")
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    merchants: fields.ReverseRelation[CreditSceneMerchant]

    class Meta:
        table = "credit_scenes"


class CreditSceneMerchant(Model):
    """A merchant may waive deposits in a scene (the library for borrowing, say)."""

    id = fields.BigIntField(primary_key=True)
    scene: fields.ForeignKeyRelation[CreditScene] = fields.ForeignKeyField(
        "palm.CreditScene", related_name="merchants", on_delete=fields.CASCADE
    )
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "palm.Organisation", related_name="credit_scenes", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "credit_scene_merchants"
        unique_together = (("scene", "organisation"),)


class CreditAccount(Model):
    """One per resident, its id the subject of their credit codes.

    Every grant for the resident locks this row first, so the limit check and the new waiver
    are one step for concurrent grants.
    """

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    resident: fields.OneToOneRelation[Resident] = fields.OneToOneField(
        "palm.Resident", related_name="credit_account", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "credit_accounts"
