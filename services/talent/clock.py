"""Local dates for cards and quotas: Weihai keeps Beijing time, and a card lasts to its last day."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from models.talent.benefits import QuotaPeriod

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
"""China has one time zone and no daylight saving, so a fixed offset is exact."""


def local_date(now: datetime) -> date:
    return now.astimezone(BEIJING).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants a local day starts and ends (half open)."""
    start = datetime(day.year, day.month, day.day, tzinfo=BEIJING)
    return start, start + timedelta(days=1)


def month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=BEIJING)


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def period_key(period: QuotaPeriod, now: datetime) -> str:
    """The quota period ``now`` falls in: ``2026`` for a year, ``2026-07`` for a month."""
    today = local_date(now)
    return f"{today.year}" if period is QuotaPeriod.YEAR else f"{today.year}-{today.month:02d}"


def wechat_time(now: datetime) -> str:
    """A subscribe message's ``time`` field, in local time."""
    return now.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
