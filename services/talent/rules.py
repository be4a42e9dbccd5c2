"""Tier rules: talent class → card tier, family sub-cards and longest validity (one table).

The defaults follow the practice of other cities' talent cards: classes A and B gold with
family sub-cards, C to E silver, practical talent standard, at most five years. Operators
edit the rows; a class missing from the table is put back with its default when read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Literal

from integrations.talent.models import TALENT_CLASSES, Qualification
from models.talent.cards import TalentTier, TierRule
from services.talent import errors
from services.talent.clock import add_years

MAX_YEARS = 5
DEFAULTS: dict[str, tuple[TalentTier, int]] = {
    "A": (TalentTier.GOLD, 3),
    "B": (TalentTier.GOLD, 3),
    "C": (TalentTier.SILVER, 0),
    "D": (TalentTier.SILVER, 0),
    "E": (TalentTier.SILVER, 0),
    "practical": (TalentTier.STANDARD, 0),
}

Unconfirmed = Literal["no_record", "no_class", "no_rule", "contract_ended"]


@dataclass(frozen=True, slots=True)
class Confirmed:
    """What the platform's answer and the rules give: the class, tier and last valid day."""

    talent_class: str
    tier: TalentTier
    valid_until: date
    contract_ends_on: date | None
    family_cards: int


async def ensure_defaults() -> None:
    """Insert the default rule of every class that has none (idempotent, race-safe)."""
    missing = [
        TierRule(talent_class=cls, tier=tier, family_cards=family, max_years=MAX_YEARS)
        for cls, (tier, family) in DEFAULTS.items()
        if not await TierRule.exists(talent_class=cls)
    ]
    if missing:
        await TierRule.bulk_create(missing, ignore_conflicts=True)


async def all_rules() -> list[TierRule]:
    await ensure_defaults()
    rows = {r.talent_class: r for r in await TierRule.all()}
    return [rows[cls] for cls in TALENT_CLASSES if cls in rows]


async def rule_for(talent_class: str) -> TierRule | None:
    rule = await TierRule.get_or_none(talent_class=talent_class)
    if rule is None and talent_class in DEFAULTS:
        await ensure_defaults()
        rule = await TierRule.get_or_none(talent_class=talent_class)
    return rule


async def update(
    talent_class: str, *, tier: TalentTier, family_cards: int, max_years: int, editor: uuid.UUID
) -> TierRule:
    """Change one class's rule; cards already issued keep their tier until renewed."""
    rule = await rule_for(talent_class)
    if rule is None:
        raise errors.no_rule(talent_class)
    rule.tier, rule.family_cards, rule.max_years = tier, family_cards, max_years
    rule.updated_by_id = editor
    await rule.save()
    return rule


def valid_until(today: date, contract_ends_on: date | None, max_years: int) -> date | None:
    """The card's last day: the contract's end, at most ``max_years`` on; None if it ended."""
    longest = add_years(today, min(max_years, MAX_YEARS))
    if contract_ends_on is None:
        return longest
    if contract_ends_on < today:
        return None
    return min(contract_ends_on, longest)


async def evaluate(found: Qualification | None, today: date) -> Confirmed | Unconfirmed:
    """Whether the platform's answer alone earns a card ("no proof"), and on what terms."""
    if found is None:
        return "no_record"
    if found.talent_class is None:
        return "no_class"
    rule = await rule_for(found.talent_class)
    if rule is None:
        return "no_rule"
    last_day = valid_until(today, found.contract_ends_on, rule.max_years)
    if last_day is None:
        return "contract_ended"
    return Confirmed(
        found.talent_class, rule.tier, last_day, found.contract_ends_on, rule.family_cards
    )
