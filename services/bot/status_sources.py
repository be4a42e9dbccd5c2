"""Status sources for talent cards, ride codes and deposit waivers.

Each imports its service's models only when asked, so the bot works (saying "not available")
in a build where that service is absent.
"""

from __future__ import annotations

import uuid
from datetime import date

from services.bot.status import Registry, yuan


class TalentStatus:
    name = ("英才卡", "Talent card")

    async def line(self, resident_id: uuid.UUID, lang: str, today: date) -> str:
        from models.talent.cards import CardKind, CardStatus, TalentCard

        card = await TalentCard.filter(
            resident_id=resident_id, kind=CardKind.PRIMARY, status=CardStatus.ACTIVE
        ).first()
        if card is None:
            return "您还没有英才卡。" if lang == "zh" else "You have no talent card yet."
        tier_zh = {"gold": "金卡", "silver": "银卡", "standard": "标准卡"}[str(card.tier)]
        until = card.valid_until.isoformat()
        if card.valid_until < today:
            if lang == "zh":
                return f"英才卡（{tier_zh}）已于{until}过期，可在线续期。"
            return f"Your {card.tier} talent card expired on {until}; renew it online."
        if lang == "zh":
            return f"英才卡：{tier_zh}，有效期至{until}。"
        return f"Talent card: {card.tier}, valid until {until}."


class TransitStatus:
    name = ("乘车码", "Ride code")

    async def line(self, resident_id: uuid.UUID, lang: str, today: date) -> str:
        from models.transit.accounts import AccountStatus, TransitAccount

        account = (
            await TransitAccount.filter(rider_id=resident_id, status=AccountStatus.ACTIVE).first()
            or await TransitAccount.filter(
                payer_id=resident_id, rider_id=None, status=AccountStatus.ACTIVE
            ).first()
        )
        if account is None:
            return "您还没有开通乘车码。" if lang == "zh" else "You have not opened a ride code."
        if account.arrears_fen > 0:
            owed = yuan(account.arrears_fen)
            if lang == "zh":
                return f"乘车码：欠费 {owed} 元，补缴后才能生成新的乘车码。"
            return f"Ride code: {owed} yuan unpaid; pay it to open new codes."
        return "乘车码：已开通，没有欠费。" if lang == "zh" else "Ride code: open, nothing owed."


class CreditStatus:
    name = ("信用免押", "Deposit waivers")

    async def line(self, resident_id: uuid.UUID, lang: str, today: date) -> str:
        from models.credit.scenes import CreditAccount
        from models.credit.waivers import CreditWaiver, WaiverStatus

        account = await CreditAccount.get_or_none(resident_id=resident_id)
        waivers = (
            await CreditWaiver.filter(
                account_id=account.id, status__in=(WaiverStatus.ACTIVE, WaiverStatus.DEFAULTED)
            )
            if account is not None
            else []
        )
        if not waivers:
            return "您目前没有进行中的免押。" if lang == "zh" else "You have no deposit waived now."
        total = yuan(sum(w.amount_fen for w in waivers))
        defaulted = sum(1 for w in waivers if w.status == WaiverStatus.DEFAULTED)
        if lang == "zh":
            text = f"免押：进行中 {len(waivers)} 笔，共免押金 {total} 元。"
            return text + (f"其中 {defaulted} 笔有待处理的违约。" if defaulted else "")
        text = f"Deposit waivers: {len(waivers)} open, {total} yuan waived."
        return text + (f" {defaulted} with a pending default." if defaulted else "")


def default_registry() -> Registry:
    """Every status source this build knows."""
    registry = Registry()
    registry.register("talent", TalentStatus)
    registry.register("transit", TransitStatus)
    registry.register("credit", CreditStatus)
    return registry
