"""Talent card benefits at partner merchants, quota use per holder and period, redemptions."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.identity.organisations import Organisation
from models.identity.residents import Resident
from models.talent.cards import TalentCard, TalentTier


class QuotaPeriod(StrEnum):
    YEAR = "year"
    MONTH = "month"


class TalentBenefit(Model):
    """A benefit of the catalogue: where, for which tiers, how often (no quota: no limit)."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name_zh = fields.CharField(max_length=60)
    name_en = fields.CharField(max_length=120)
    merchant: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "palm.Organisation", related_name="talent_benefits", on_delete=fields.CASCADE
    )
    tiers = fields.CharField(max_length=32)
    quota = fields.IntField(null=True)
    period = fields.CharEnumField(QuotaPeriod, default=QuotaPeriod.YEAR)
    family_eligible = fields.BooleanField(default=False)
    active_from = fields.DateField()
    active_until = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "talent_benefits"
        constraints = (
            CheckConstraint(check="quota IS NULL OR quota > 0", name="talent_benefits_quota"),
            CheckConstraint(
                check="active_until IS NULL OR active_until >= active_from",
                name="talent_benefits_dates",
            ),
        )

    @property
    def tier_set(self) -> frozenset[TalentTier]:
        return frozenset(TalentTier(t) for t in self.tiers.split(",") if t)


class TalentQuotaUsage(Model):
    """How much of a benefit quota one holder used in one period (2026 or 2026-07)."""

    id = fields.BigIntField(primary_key=True)
    holder_key = fields.CharField(max_length=80)
    benefit: fields.ForeignKeyRelation[TalentBenefit] = fields.ForeignKeyField(
        "palm.TalentBenefit", related_name="usage", on_delete=fields.CASCADE
    )
    period_key = fields.CharField(max_length=7)
    used = fields.IntField(default=0)

    class Meta:
        table = "talent_quota_usage"
        unique_together = (("holder_key", "benefit", "period_key"),)
        constraints = (CheckConstraint(check="used >= 0", name="talent_quota_used"),)


class TalentRedemption(Model):
    """One benefit enjoyed at the gate. The code id is unique, so a code redeems once."""

    id = fields.UUIDField(primary_key=True)
    card: fields.ForeignKeyRelation[TalentCard] = fields.ForeignKeyField(
        "palm.TalentCard", related_name="redemptions", on_delete=fields.CASCADE
    )
    benefit: fields.ForeignKeyRelation[TalentBenefit] = fields.ForeignKeyField(
        "palm.TalentBenefit", related_name="redemptions", on_delete=fields.CASCADE
    )
    merchant: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "palm.Organisation", related_name="talent_redemptions", on_delete=fields.CASCADE
    )
    staff: fields.ForeignKeyNullableRelation[Resident] = fields.ForeignKeyField(
        "palm.Resident", related_name="talent_scans", null=True, on_delete=fields.SET_NULL
    )
    holder_key = fields.CharField(max_length=80, db_index=True)
    code_id = fields.CharField(max_length=32, unique=True)
    tier = fields.CharEnumField(TalentTier)
    period_key = fields.CharField(max_length=7, null=True)
    redeemed_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "talent_redemptions"
        indexes = (("merchant_id", "redeemed_at"),)


class TalentScanCursor(Model):
    """How far the policy scan has read the talent platform's change feed (one row)."""

    id = fields.SmallIntField(primary_key=True)
    position = fields.BigIntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "talent_policy_cursor"
        constraints = (CheckConstraint(check="id = 1", name="talent_policy_cursor_one_row"),)
