"""Ride codes: online codes signed per request, certificates for phones riding offline.

Both carry the rider's fare group (signed), so a validator shows 老年卡 or 学生卡 at once and
settlement prices the ride as shown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

from codes import issue, online
from codes.fields import Attributes, Purpose, Subject
from codes.signing import Algorithm
from services.deps import Deps
from services.identity import delegations
from services.transit import accounts, cache, errors, fares

SPEND_LIMIT_FEN = 5000
"""Fares a phone may ride on offline before its taps are settled (a certificate's limit)."""


@dataclass(frozen=True, slots=True)
class RideCode:
    text: str
    expires_at: int
    refresh_at: int
    fare_class: str
    account_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Certificate:
    certificate: bytes
    expires_at: int
    spend_limit_fen: int
    fare_class: str


async def issue_ride_code(
    deps: Deps, actor_id: uuid.UUID, member: str, *, now: datetime
) -> RideCode:
    """An online code valid about 60 s, signed with the app's issuer key; refused in arrears."""
    state = await _rider_state(deps, actor_id, member, now=now)
    if state.arrears_fen > 0:
        raise errors.in_arrears(state.arrears_fen)
    group = group_for(state, fares.service_date(now))
    issued = online.issue_online(
        await deps.codes.issuer(), Purpose.RIDE, Subject.from_uuid(state.account_id),
        now=int(now.timestamp()), attributes=Attributes(group=group),
    )  # fmt: skip
    return RideCode(issued.text, issued.expires_at, issued.refresh_at,
                    fares.fare_class(group).value, state.account_id)  # fmt: skip


async def certify_device(
    deps: Deps, actor_id: uuid.UUID, member: str, public_key: bytes, algorithm: Algorithm, *,
    now: datetime,
) -> Certificate:  # fmt: skip
    """Certify a phone's key for offline codes, until the fare group could next change."""
    state = await _rider_state(deps, actor_id, member, now=now)
    if state.arrears_fen > 0:
        raise errors.in_arrears(state.arrears_fen)
    today = fares.service_date(now)
    group = group_for(state, today)
    expires = int(now.timestamp()) + issue.CERTIFICATE_LIFETIME
    # Turning 60 or 65, or a card running out, changes the fare that day: end before it.
    for boundary in _changes(state, today):
        expires = min(expires, int(datetime.combine(boundary, time(), fares.WEIHAI).timestamp()))
    try:
        certificate = issue.certify_device(
            await deps.codes.issuer(), Purpose.RIDE, Subject.from_uuid(state.account_id),
            algorithm=algorithm, public_key=public_key, expires_at=expires,
            spend_limit_fen=SPEND_LIMIT_FEN, attributes=Attributes(group=group),
        )  # fmt: skip
    except ValueError:
        raise errors.device_key_invalid() from None
    return Certificate(certificate, expires, SPEND_LIMIT_FEN, fares.fare_class(group).value)


async def _rider_state(
    deps: Deps, actor_id: uuid.UUID, member: str, *, now: datetime
) -> cache.RiderState:
    """The rider's account, arrears and card: from the cache, or read once and cached.

    For a family member the delegation is checked on every request, cached or not: ending it
    or its expiry stops the member's codes at once (one indexed read; riding for oneself,
    the common case, costs none).
    """
    state = await cache.get(deps.changes, actor_id, member)
    if state is not None and member != "self":
        acting = await delegations.acting_for(actor_id, member, "transit", now)
        state = state if acting is not None else None  # else rider_account: "not found"
    if state is None:
        epoch = cache.begin(deps.changes)
        account = await accounts.rider_account(deps, actor_id, member, now=now)
        state = await cache.load(account)
        await cache.put(deps.changes, actor_id, member, state, epoch)
    return state


def group_for(state: cache.RiderState, day: date) -> int | None:
    card = state.card_group if state.card_until is None or state.card_until >= day else None
    return fares.best_group(accounts.age_on(state.birth_date, day), card)


def _changes(state: cache.RiderState, today: date) -> list[date]:
    birth = state.birth_date
    days = [_birthday(birth, age) for age in (fares.HALF_FARE_AGE, fares.FREE_FARE_AGE)]
    if state.card_until is not None:
        days.append(date.fromordinal(state.card_until.toordinal() + 1))
    return [d for d in days if d > today]


def _birthday(birth: date, age: int) -> date:
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:  # born on 29 February
        return date(birth.year + age, 3, 1)
