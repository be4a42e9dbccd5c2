"""Fares from the operators' tables: each row applies from its effective date on.

Rules are read for the service day of each ride, so changing a fare (always from a future
date) never changes a trip already priced, and a late upload is priced by the rules of its day.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from codes.fields import Group
from models.transit.fares import FareClass, FareClassRate, LineFare, TransferRule, TransitLine
from services.transit import errors

WEIHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
CLASS_OF_GROUP = {
    Group.SENIOR_HALF: FareClass.HALF,
    Group.SENIOR_FREE: FareClass.FREE,
    Group.PREFERENTIAL_CARE: FareClass.FREE,
    Group.DISABILITY: FareClass.FREE,
    Group.STUDENT: FareClass.STUDENT,
}
HALF_FARE_AGE, FREE_FARE_AGE = 60, 65


def fare_class(group: int | None) -> FareClass:
    return CLASS_OF_GROUP.get(Group(group), FareClass.FULL) if group else FareClass.FULL


def age_group(age: int) -> Group | None:
    """Policy finds people: the fare by age alone, from the birth date in the verified ID."""
    if age >= FREE_FARE_AGE:
        return Group.SENIOR_FREE
    return Group.SENIOR_HALF if age >= HALF_FARE_AGE else None


def best_group(age: int, card_group: int | None) -> Group | None:
    """The cheaper of the age rule and an active special card."""
    candidates = [g for g in (age_group(age), Group(card_group) if card_group else None) if g]
    order = {FareClass.FREE: 0, FareClass.STUDENT: 1, FareClass.HALF: 2, FareClass.FULL: 3}
    return min(candidates, key=lambda g: order[CLASS_OF_GROUP[g]], default=None)


def service_date(moment: datetime) -> date:
    return moment.astimezone(WEIHAI).date()


@dataclass
class _Dated:
    """Values by effective date; ``at(day)`` is the one in force that day."""

    days: list[date] = field(default_factory=list)
    values: list[int | tuple[int, int]] = field(default_factory=list)

    def add(self, day: date, value: int | tuple[int, int]) -> None:
        i = bisect.bisect(self.days, day)
        self.days.insert(i, day)
        self.values.insert(i, value)

    def at(self, day: date) -> int | tuple[int, int] | None:
        i = bisect.bisect(self.days, day)
        return self.values[i - 1] if i else None


@dataclass
class Rules:
    """A snapshot of the fare tables (they are small: lines, classes, one transfer rule)."""

    lines: defaultdict[str, _Dated] = field(default_factory=lambda: defaultdict(_Dated))
    classes: defaultdict[str, _Dated] = field(default_factory=lambda: defaultdict(_Dated))
    transfer: _Dated = field(default_factory=_Dated)

    def price(self, line: str, klass: FareClass, day: date, *, transfer: bool) -> tuple[int, int]:
        """(line fare, fare this rider pays); a line with no fare that day costs nothing."""
        base = self.lines[line].at(day) if line in self.lines else None
        percent = self.classes[klass].at(day) if klass in self.classes else None
        if not isinstance(base, int):
            return 0, 0
        fare = (base * (percent if isinstance(percent, int) else 100) + 50) // 100
        if transfer and (rule := self.transfer_rule(day)) is not None:
            fare = max(0, fare - rule[1])
        return base, fare

    def transfer_rule(self, day: date) -> tuple[int, int] | None:
        """(window in minutes, discount in fen) in force on ``day``."""
        value = self.transfer.at(day)
        return value if isinstance(value, tuple) else None


async def load_rules() -> Rules:
    rules = Rules()
    for row in await LineFare.all().prefetch_related("line"):
        rules.lines[row.line.code].add(row.effective_from, row.fare_fen)
    for rate in await FareClassRate.all():
        rules.classes[rate.fare_class].add(rate.effective_from, rate.percent)
    for rule in await TransferRule.all():
        rules.transfer.add(rule.effective_from, (rule.window_minutes, rule.discount_fen))
    return rules


async def set_line_fare(
    line_code: str, fare_fen: int, effective_from: date, *, now: datetime
) -> LineFare:
    """A new fare for a line from a future day (never today or before: trips are priced)."""
    if effective_from <= service_date(now):
        raise errors.fare_not_future()
    line = await TransitLine.get_or_none(code=line_code)
    if line is None:
        raise errors.line_not_found()
    row, _ = await LineFare.update_or_create(
        line=line, effective_from=effective_from, defaults={"fare_fen": fare_fen}
    )
    return row


def now_utc() -> datetime:
    return datetime.now(UTC)
