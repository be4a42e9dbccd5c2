"""Before and around the annual check: riders told their fare fell, or their check is near."""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from models.transit.accounts import AccountStatus, TransitAccount
from models.transit.cards import CardKind, CardState, SpecialCard
from services import notifications
from services.transit import eligibility, fares

REMIND_BEFORE = timedelta(days=30)
KIND_ZH = {
    CardKind.SENIOR: "老年人乘车卡",
    CardKind.DISABILITY: "残疾人乘车卡",
    CardKind.PREFERENTIAL_CARE: "优抚对象乘车卡",
    CardKind.STUDENT: "学生乘车卡",
}


async def birthdays(now: datetime) -> int:
    """Policy finds people: tell riders turning 60 or 65 today that their fare just fell."""
    today, told = fares.service_date(now), 0
    for age, news in (
        (fares.HALF_FARE_AGE, "今日起半价乘车"),
        (fares.FREE_FARE_AGE, "今日起免费乘车"),
    ):
        born = eligibility.years_later(today, -age)
        for account in await TransitAccount.filter(
            rider_birth_date=born, status=AccountStatus.ACTIVE
        ):
            async with in_transaction():
                await notifications.notify(
                    account.payer_id,  # type: ignore[attr-defined]
                    "policy_found", {"thing1": "公交老年人优惠", "thing2": news,
                                     "thing3": "乘车码已自动更新，无需申请"},
                    key=f"transit-age:{account.id}:{age}", page="pages/transit/account",
                )  # fmt: skip
            told += 1
    return told


async def remind(now: datetime) -> int:
    """Tell riders a month ahead that their card will be re-checked (once per due date)."""
    sent = 0
    soon = await SpecialCard.filter(
        next_check_at__lte=now + REMIND_BEFORE, next_check_at__gt=now,
        state__in=(CardState.ACTIVE, CardState.REVIEW),
    ).prefetch_related("account")  # fmt: skip
    for card in soon:
        due = card.next_check_at.astimezone(fares.WEIHAI).date()
        if card.notified_for == due:
            continue
        async with in_transaction():
            await notifications.notify(
                card.account.payer_id,  # type: ignore[attr-defined]
                "reverification",
                {"thing1": KIND_ZH[card.kind], "phrase2": "即将年检", "date3": due.isoformat(),
                 "thing4": "系统将自动核验"},
                key=f"transit-reverify-soon:{card.id}:{due.isoformat()}", page="pages/transit/card",
            )  # fmt: skip
            await SpecialCard.filter(id=card.id).update(notified_for=due)
        sent += 1
    return sent
