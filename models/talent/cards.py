"""Talent e-cards: the tier rules operators edit, and cards (own and family sub-cards)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.identity.residents import Resident


class TalentTier(StrEnum):
    GOLD = "gold"
    SILVER = "silver"
    STANDARD = "standard"

    @property
    def rank(self) -> int:
        """Higher is better: gold 3, silver 2, standard 1."""
        return {"gold": 3, "silver": 2, "standard": 1}[self.value]


class TierRule(Model):
    """Which tier a talent class gets, how many family sub-cards, and the longest validity."""

    id = fields.BigIntField(primary_key=True)
    talent_class = fields.CharField(max_length=16, unique=True)
    tier = fields.CharEnumField(TalentTier)
    family_cards = fields.SmallIntField(default=0)
    max_years = fields.SmallIntField(default=5)
    updated_at = fields.DatetimeField(auto_now=True)
    updated_by: fields.ForeignKeyNullableRelation[Resident] = fields.ForeignKeyField(
        "palm.Resident", related_name="talent_rules_edited", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "talent_tier_rules"
        constraints = (
            CheckConstraint(check="family_cards BETWEEN 0 AND 10", name="talent_rules_family"),
            CheckConstraint(check="max_years BETWEEN 1 AND 5", name="talent_rules_years"),
        )


class CardKind(StrEnum):
    PRIMARY = "primary"  # the talent's own card
    FAMILY = "family"  # a sub-card for a family member, shown from the talent's phone


class CardStatus(StrEnum):
    ACTIVE = "active"  # usable until valid_until (expiry is read from the date)
    LOST = "lost"  # reported lost: on the revocation list, a new card may be issued
    SUPERSEDED = "superseded"  # replaced by a renewal, an upgrade or a reissue
    CANCELLED = "cancelled"  # a family sub-card withdrawn, or the tier lost its sub-cards


class FamilyRelation(StrEnum):
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"


class TalentCard(Model):
    """One card, whose id is the subject of its dynamic codes.

    The holder key names the person the card serves across reissues and renewals (quotas
    follow it). The active key equals it while the card is active and is unique, so a person
    holds one active card at most.
    """

    id = fields.UUIDField(primary_key=True)
    resident: fields.ForeignKeyRelation[Resident] = fields.ForeignKeyField(
        "palm.Resident", related_name="talent_cards", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(CardKind, default=CardKind.PRIMARY)
    primary: fields.ForeignKeyNullableRelation[TalentCard] = fields.ForeignKeyField(
        "palm.TalentCard", related_name="family_cards", null=True, on_delete=fields.CASCADE
    )
    relation = fields.CharEnumField(FamilyRelation, null=True)
    holder_key = fields.CharField(max_length=80, db_index=True)
    active_key = fields.CharField(max_length=80, null=True, unique=True)
    name_enc = fields.TextField()
    talent_class = fields.CharField(max_length=16)
    tier = fields.CharEnumField(TalentTier)
    status = fields.CharEnumField(CardStatus, default=CardStatus.ACTIVE)
    valid_from = fields.DateField()
    valid_until = fields.DateField()
    application_id = fields.UUIDField(null=True)
    replaces_id = fields.UUIDField(null=True)
    issued_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)

    family_cards: fields.ReverseRelation[TalentCard]

    class Meta:
        table = "talent_cards"
        constraints = (
            CheckConstraint(
                check="(status = 'active' AND active_key IS NOT NULL)"
                " OR (status <> 'active' AND active_key IS NULL)",
                name="talent_cards_active_key",
            ),
            CheckConstraint(check="valid_until >= valid_from", name="talent_cards_validity"),
            CheckConstraint(
                check="(kind = 'primary' AND primary_id IS NULL)"
                " OR (kind = 'family' AND primary_id IS NOT NULL)",
                name="talent_cards_family_has_primary",
            ),
        )
