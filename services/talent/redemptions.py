"""Redeeming a benefit at the gate: one code, one redemption, never past the quota.

The checks that need no lock come first (the code's signature and time, the merchant, the
tier), then the code is claimed in Redis, so of concurrent scans of one code only one goes on;
if that one does not commit, the claim is released and the code can still be used.
The card is re-read under a row lock inside the transaction that moves the quota and records
the redemption: a card reported lost a moment earlier is refused, and the quota moves by a
conditional UPDATE (``used < quota``), which holds on PostgreSQL and SQLite alike. The code's
id is unique in the table as well, in case Redis forgot a claim.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from redis.asyncio import Redis
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from codes.errors import CodeRejected
from codes.keyring import Keyring
from models.talent.benefits import TalentBenefit, TalentQuotaUsage, TalentRedemption
from models.talent.cards import CardKind, CardStatus, TalentCard
from services.codes import claims
from services.privacy import FieldCipher, mask_name
from services.talent import benefits, codes, errors
from services.talent.cards import check_usable
from services.talent.clock import local_date, period_key


@dataclass(frozen=True, slots=True)
class Redeemed:
    """What the gate is shown: no more than it needs."""

    redemption: TalentRedemption
    name: str  # masked
    card: TalentCard
    benefit: TalentBenefit
    remaining: int | None


def _check_benefit(
    card: TalentCard, benefit: TalentBenefit, merchant_code: str | None, today: date
) -> None:
    if merchant_code is None or benefit.merchant.code != merchant_code:
        raise errors.wrong_merchant()
    if not benefits.is_active(benefit, today):
        raise errors.benefit_inactive()
    if card.tier not in benefit.tier_set:
        raise errors.tier_not_eligible()
    if card.kind is CardKind.FAMILY and not benefit.family_eligible:
        raise errors.family_not_eligible()


async def _card_of(subject: str) -> TalentCard:
    try:
        card = await TalentCard.get_or_none(id=uuid.UUID(subject))
    except ValueError:  # signed by us but not a card id: another service's subject
        card = None
    if card is None:
        raise errors.card_inactive()
    return card


async def redeem(
    *,
    code_text: str,
    benefit_code: str,
    merchant_code: str | None,
    staff_id: uuid.UUID,
    keyring: Keyring,
    redis: Redis,
    cipher: FieldCipher,
    now: datetime,
) -> Redeemed:
    """Check a scanned card code against one benefit and, if all holds, redeem it once."""
    stamp, today = int(now.timestamp()), local_date(now)
    try:
        verified = codes.verify(code_text, keyring, now=stamp)
    except CodeRejected as exc:
        if exc.reason != "revoked":
            raise
        card = await _card_of(codes.subject_of(code_text).text)
        lost = card.status is CardStatus.LOST
        raise (errors.card_lost() if lost else errors.card_inactive()) from None
    card = await _card_of(verified.subject.text)
    check_usable(card, today)
    benefit = await benefits.get(benefit_code)
    _check_benefit(card, benefit, merchant_code, today)
    await claims.claim(redis, verified, now=stamp)
    try:
        async with in_transaction():
            locked = await TalentCard.filter(id=card.id).select_for_update().first()
            check_usable(locked or card, today)
            remaining, period = await _spend(card.holder_key, benefit, now)
            redemption = await TalentRedemption.create(
                id=uuid.uuid4(), card=card, benefit=benefit, merchant_id=benefit.merchant_id,  # type: ignore[attr-defined]
                staff_id=staff_id, holder_key=card.holder_key, code_id=verified.code_id.hex(),
                tier=card.tier, period_key=period, redeemed_at=now,
            )  # fmt: skip
    except IntegrityError:  # the code id is taken: redeemed before, whatever Redis remembers
        raise CodeRejected("already_used") from None
    except BaseException:
        # Nothing was redeemed (quota used up, card lost a moment ago, the database gone):
        # the resident's code stays good for another try or another benefit.
        await claims.release(redis, verified)
        raise
    name = mask_name(cipher.decrypt(card.name_enc, field="name"))
    return Redeemed(redemption, name, card, benefit, remaining)


async def _spend(
    holder_key: str, benefit: TalentBenefit, now: datetime
) -> tuple[int | None, str | None]:
    """Take one from the holder's quota for this period; (remaining, period), or refuse."""
    if benefit.quota is None:
        return None, None
    key = period_key(benefit.period, now)
    row = {"holder_key": holder_key, "benefit_id": benefit.id, "period_key": key}
    await TalentQuotaUsage.bulk_create([TalentQuotaUsage(**row, used=0)], ignore_conflicts=True)
    taken = await TalentQuotaUsage.filter(**row, used__lt=benefit.quota).update(used=F("used") + 1)
    if not taken:
        raise errors.quota_exhausted()
    used = (await TalentQuotaUsage.get(**row)).used
    return benefit.quota - used, key
