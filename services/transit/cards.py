"""Special-group cards: applied for in the mini-program, granted from data at once."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from integrations.base import PlatformError
from models.transit.accounts import TransitAccount
from models.transit.cards import CardKind, CardState, SpecialCard
from services.deps import Deps
from services.transit import accounts, cache, eligibility, errors, fares

CHECK_EVERY = timedelta(days=365)


async def apply(
    deps: Deps, actor_id: uuid.UUID, member: str, kind: CardKind, *, now: datetime
) -> accounts.CardView:
    """Grant (or replace) the rider's card when the data shows they qualify."""
    account = await accounts.rider_account(deps, actor_id, member, now=now)
    decision = await check(deps, account, kind, now=now)
    if decision is None:
        raise errors.card_not_eligible()
    card = await save(account, decision, now=now)
    await cache.forget(deps.changes, account.id)
    return accounts.card_view(card)


async def recheck(card_id: uuid.UUID, *, now: datetime) -> None:
    """Make a card due for re-verification now (after a complaint or a changed record)."""
    if not await SpecialCard.filter(id=card_id).update(next_check_at=now):
        raise errors.card_not_found()


async def check(
    deps: Deps, account: TransitAccount, kind: CardKind, *, now: datetime
) -> eligibility.Decision | None:
    """Ask the records (爱山东 for certificates) whether the rider qualifies for ``kind``."""
    return await check_rider(
        deps, account.rider_id_number_enc, account.rider_birth_date, kind, now=now
    )


async def check_rider(
    deps: Deps, id_number_enc: str, birth_date: date, kind: CardKind, *, now: datetime
) -> eligibility.Decision | None:
    """``check`` from the rider's encrypted ID number and birth date."""
    today = fares.service_date(now)
    licences = []
    if kind in eligibility.LICENCE_OF:
        number = deps.cipher.decrypt(id_number_enc, field="id_number")
        try:
            licences = await deps.aishandong.licences(number, [eligibility.LICENCE_OF[kind]])
        except PlatformError as exc:
            raise errors.licence_service_unavailable(exc.code) from None
    return eligibility.decide(kind, birth_date, licences, today)


def next_check(decision: eligibility.Decision, now: datetime) -> datetime:
    """A year on, or the day the card runs out if that comes first."""
    ends = datetime.combine(decision.valid_until, datetime.min.time(), fares.WEIHAI)
    return min(now + CHECK_EVERY, ends)


async def save(
    account: TransitAccount, decision: eligibility.Decision, *, now: datetime
) -> SpecialCard:
    licence = decision.certificate
    card, _ = await SpecialCard.update_or_create(
        account=account,
        defaults={
            "kind": decision.kind, "group": int(decision.group),
            "state": CardState.REVIEW if decision.in_person else CardState.ACTIVE,
            "certificate_no": licence.number if licence else None,
            "certificate_issuer_code": licence.issuer_code if licence else None,
            "certificate_valid_until": licence.valid_until if licence else None,
            "valid_until": decision.valid_until, "next_check_at": next_check(decision, now),
            "checked_at": now, "claimed_until": None,
        },
    )  # fmt: skip
    return card
