"""Ride codes: online codes signed per request, certificates for phones riding offline.

Both carry the rider's fare group (signed), so a validator shows 老年卡 or 学生卡 at once and
settlement prices the ride as shown.
"""

from __future__ import annotations

import uuid
import weakref
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from redis.asyncio import Redis

from codes import issue, online
from codes.fields import Attributes, Purpose, Subject
from codes.signing import Algorithm
from models.identity.delegations import Delegation, DelegationStatus
from services.codes import snapshot
from services.errors import InvalidInput
from services.identity import residents
from services.privacy import FieldCipher
from services.transit import accounts, cache, fares

SPEND_LIMIT_FEN = 5000
"""Fares a phone may ride on offline before its taps are settled (a certificate's limit)."""

_CACHES: weakref.WeakKeyDictionary[FieldCipher, snapshot.KeyCache] = weakref.WeakKeyDictionary()


def key_cache(cipher: FieldCipher) -> snapshot.KeyCache:
    """The process's keyring cache for this app (one per cipher, i.e. per app)."""
    cached = _CACHES.get(cipher)
    if cached is None:
        cached = _CACHES[cipher] = snapshot.KeyCache(cipher)
    return cached


@dataclass(frozen=True, slots=True)
class RideCode:
    text: str
    expires_at: int
    refresh_at: int
    fare_class: str
    account_id: uuid.UUID


async def rider_state(
    redis: Redis, actor_id: uuid.UUID, member: str, *, cipher: FieldCipher, now: datetime
) -> cache.RiderState:
    """The rider's account, arrears and card: from the cache, or read once and cached.

    For a family member the delegation is checked on every request, cached or not: ending it
    or its expiry stops the member's codes at once (one indexed read; riding for oneself,
    the common case, costs none).
    """
    state = await cache.get(redis, actor_id, member)
    if state is not None and member != "self" and not await _still_acting(actor_id, member, now):
        state = None  # subject_for below answers "not found", as for any other member
    if state is None:
        actor = await residents.get_active(actor_id)
        account = await accounts.account_for(actor, member, cipher=cipher, now=now)
        state = await cache.load(account)
        await cache.put(redis, actor_id, member, state)
    return state


async def _still_acting(actor_id: uuid.UUID, member: str, now: datetime) -> bool:
    """``delegations.subject_for``'s rule for the transit scope, without decrypting anything."""
    try:
        delegation_id = uuid.UUID(member)
    except ValueError:
        return False
    scopes = await Delegation.filter(
        id=delegation_id, delegate_id=actor_id, status=DelegationStatus.ACTIVE, expires_at__gt=now
    ).values_list("scopes", flat=True)
    return any("transit" in str(found).split(",") for found in scopes)


def group_for(state: cache.RiderState, day: date) -> int | None:
    card = state.card_group if state.card_until is None or state.card_until >= day else None
    return fares.best_group(accounts.age_on(state.birth_date, day), card)


async def online_code(state: cache.RiderState, *, cipher: FieldCipher, now: datetime) -> RideCode:
    """A code valid about 60 s, refused while the rider is in arrears."""
    if state.arrears_fen > 0:
        accounts.check_may_ride_fen(state.arrears_fen)
    group = group_for(state, fares.service_date(now))
    issued = online.issue_online(
        await key_cache(cipher).issuer(), Purpose.RIDE, Subject.from_uuid(state.account_id),
        now=int(now.timestamp()), attributes=Attributes(group=group),
    )  # fmt: skip
    return RideCode(issued.text, issued.expires_at, issued.refresh_at,
                    fares.fare_class(group).value, state.account_id)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Certificate:
    certificate: bytes
    expires_at: int
    spend_limit_fen: int
    fare_class: str


async def certify(
    state: cache.RiderState, public_key: bytes, algorithm: Algorithm, *,
    cipher: FieldCipher, now: datetime,
) -> Certificate:  # fmt: skip
    """Certify a phone's key for offline codes, until the fare group could next change."""
    if state.arrears_fen > 0:
        accounts.check_may_ride_fen(state.arrears_fen)
    today = fares.service_date(now)
    group = group_for(state, today)
    expires = int(now.timestamp()) + issue.CERTIFICATE_LIFETIME
    # Turning 60 or 65, or a card running out, changes the fare that day: end before it.
    for boundary in _changes(state, today):
        expires = min(expires, int(datetime.combine(boundary, time(), fares.WEIHAI).timestamp()))
    try:
        certificate = issue.certify_device(
            await key_cache(cipher).issuer(), Purpose.RIDE, Subject.from_uuid(state.account_id),
            algorithm=algorithm, public_key=public_key, expires_at=expires,
            spend_limit_fen=SPEND_LIMIT_FEN, attributes=Attributes(group=group),
        )  # fmt: skip
    except ValueError:
        raise InvalidInput(
            "device_key_invalid", "设备公钥无效。", "The public key is not valid for the algorithm."
        ) from None
    return Certificate(certificate, expires, SPEND_LIMIT_FEN, fares.fare_class(group).value)


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


def epoch(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp())
