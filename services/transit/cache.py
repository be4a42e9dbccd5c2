"""What issuing a ride code needs about the rider, cached in Redis for every process.

Issuing is the hottest path of the service (every rider, every 30 s), so the account, its
arrears and its special card are read once and kept briefly, in Redis for every process and
in each process's own copy (``services.localcopy``); any change to them ``forget``s both after
commit, announced to every process, so a payment clears the block at once everywhere.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date

from models.transit.accounts import TransitAccount
from models.transit.cards import CardState, SpecialCard
from services.localcopy import Changes, LocalCopy

TTL_SECONDS = 30
_KEY = "palm:transit:ride:"
_INDEX = "palm:transit:ride-keys:"
_TOPIC = "transit-account"  # value: the account id (hex)


@dataclass(frozen=True, slots=True)
class RiderState:
    account_id: uuid.UUID
    birth_date: date
    arrears_fen: int
    card_group: int | None  # an active special card's group
    card_until: date | None


def _key(actor: uuid.UUID, member: str) -> str:
    return f"{_KEY}{actor.hex}:{member}"


def _copy(changes: Changes) -> LocalCopy[RiderState]:
    return changes.copy("transit-riders", fresh_seconds=TTL_SECONDS, topic=_TOPIC)


async def get(changes: Changes, actor: uuid.UUID, member: str) -> RiderState | None:
    key, copy = _key(actor, member), _copy(changes)
    found = copy.get(key)
    if found is not None:
        return found
    epoch = copy.begin()
    raw = await changes.redis.get(key)
    if raw is None:
        return None
    data = json.loads(raw)
    state = RiderState(
        uuid.UUID(data["a"]), date.fromisoformat(data["b"]), data["r"], data["g"],
        date.fromisoformat(data["u"]) if data["u"] else None,
    )  # fmt: skip
    copy.keep(key, state, state.account_id.hex, epoch)
    return state


async def load(account: TransitAccount) -> RiderState:
    # A card under in-person review keeps its fare until it runs out.
    card = await SpecialCard.get_or_none(
        account_id=account.id, state__in=(CardState.ACTIVE, CardState.REVIEW)
    )
    return RiderState(
        account.id, account.rider_birth_date, account.arrears_fen,
        card.group if card else None, card.valid_until if card else None,
    )  # fmt: skip


async def put(
    changes: Changes, actor: uuid.UUID, member: str, state: RiderState, epoch: int
) -> None:
    """Keep ``state`` (read from the database after ``begin`` gave ``epoch``): not at all if
    a change was heard meanwhile, which the read may have missed."""
    if _copy(changes).begin() != epoch:
        return
    value = json.dumps({
        "a": str(state.account_id), "b": state.birth_date.isoformat(), "r": state.arrears_fen,
        "g": state.card_group, "u": state.card_until.isoformat() if state.card_until else None,
    })  # fmt: skip
    key, index = _key(actor, member), _INDEX + state.account_id.hex
    async with changes.redis.pipeline(transaction=False) as pipe:
        pipe.set(key, value, ex=TTL_SECONDS)
        pipe.sadd(index, key)
        pipe.expire(index, TTL_SECONDS * 2)
        await pipe.execute()
    _copy(changes).keep(key, state, state.account_id.hex, epoch)


def begin(changes: Changes) -> int:
    """Call before reading a rider's state from the database; pass the result to ``put``."""
    return _copy(changes).begin()


async def forget(changes: Changes, *account_ids: uuid.UUID) -> None:
    """Drop every cached view of these accounts, in Redis and in every process (call after the
    change is committed)."""
    if not account_ids:
        return
    redis = changes.redis
    indexes = [_INDEX + account_id.hex for account_id in account_ids]
    async with redis.pipeline(transaction=False) as pipe:
        for index in indexes:
            pipe.smembers(index)
        members = await pipe.execute()
    keys = [key for found in members for key in found]
    await redis.delete(*indexes, *keys)
    await changes.announce(*((_TOPIC, account_id.hex) for account_id in account_ids))
