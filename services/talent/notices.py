"""What the talent service tells residents: decisions, cards about to expire, new eligibility.

Each message is queued in the caller's transaction with a key that names its cause, so a
retried request or a re-run job never sends it twice.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from models.talent.applications import ApplicationStatus, TalentApplication
from models.talent.cards import CardKind, CardStatus, TalentCard, TalentTier
from services import notifications
from services.deps import Deps
from services.talent.cards import RENEWAL_DAYS
from services.talent.clock import local_date, wechat_time

CARD_PAGE = "pages/talent/card"
APPLY_PAGE = "pages/talent/apply"
TIER_NAMES = {TalentTier.GOLD: "金卡", TalentTier.SILVER: "银卡", TalentTier.STANDARD: "标准卡"}


def _thing(text: str) -> str:
    """WeChat's ``thing`` fields hold 20 characters."""
    return text if len(text) <= 20 else text[:19] + "…"


async def decided(application: TalentApplication, now: datetime) -> None:
    """Tell the applicant the outcome (inside the decision's transaction)."""
    approved = application.status is ApplicationStatus.APPROVED
    if approved and application.tier:
        detail = f"已发放{TIER_NAMES[TalentTier(application.tier)]}，可在小程序查看"
    else:
        detail = application.decision_reason or "请在小程序查看原因"
    values = {
        "thing1": "威海英才卡申请",
        "phrase2": "已通过" if approved else "未通过",
        "thing3": _thing(detail),
        "time4": wechat_time(now),
    }
    await notifications.notify(
        application.resident_id,  # type: ignore[attr-defined]
        "application_decided",
        values,
        key=f"talent-application:{application.id}",
        page=CARD_PAGE if approved else APPLY_PAGE,
    )


async def policy_found(resident_id: uuid.UUID, tier: TalentTier, upgrade: bool, key: str) -> None:
    """Tell a resident the platform's new record earns them a card, or a better one."""
    name = TIER_NAMES[tier]
    values = {
        "thing1": "威海英才卡",
        "thing2": f"您可升级为{name}" if upgrade else f"您可申领{name}",
        "thing3": "免提交证明材料，掌上即可办理",
    }
    await notifications.notify(resident_id, "policy_found", values, key=key, page=APPLY_PAGE)


async def remind_expiring(now: datetime) -> int:
    """Tell holders whose card ends within the renewal window (once per card)."""
    today = local_date(now)
    due = await TalentCard.filter(
        kind=CardKind.PRIMARY,
        status=CardStatus.ACTIVE,
        valid_until__gte=today,
        valid_until__lte=today + timedelta(days=RENEWAL_DAYS),
    )
    for card in due:
        values = {
            "thing1": "威海英才卡",
            "date2": card.valid_until.isoformat(),
            "thing3": "可在小程序中在线续期",
        }
        async with in_transaction():
            await notifications.notify(
                card.resident_id,  # type: ignore[attr-defined]
                "card_expiring",
                values,
                key=f"talent-expiring:{card.id}",
                page=CARD_PAGE,
            )
    return len(due)


async def expiring_job(deps: Deps) -> None:
    """Cron: renewal reminders."""
    await remind_expiring(datetime.now(UTC))
