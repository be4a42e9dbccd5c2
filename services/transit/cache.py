"""What issuing a ride code needs about the rider, cached in Redis for every process.

Issuing is the hottest path of the service (every rider, every 30 s), so the account, its
arrears and its special card are read once and kept briefly; any change to them ``forget``s
the entry after commit, so a payment clears the block at once on every process.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date

from redis.asyncio import Redis

from models.transit.accounts import TransitAccount
from models.transit.cards import CardState, SpecialCard

TTL_SECONDS = 30
_KEY = "palm:transit:ride:"
_INDEX = "palm:transit:ride-keys:"


@dataclass(frozen=True, slots=True)
class RiderState:
    account_id: uuid.UUID
    birth_date: date
    arrears_fen: int
    card_group: int | None  # an active special card's group
    card_until: date | None


def _key(actor: uuid.UUID, member: str) -> str:
    return f"{_KEY}{actor.hex}:{member}"


async def get(redis: Redis, actor: uuid.UUID, member: str) -> RiderState | None:
    raw = await redis.get(_key(actor, member))
    if raw is None:
        return None
    data = json.loads(raw)
    return RiderState(
        uuid.UUID(data["a"]), date.fromisoformat(data["b"]), data["r"], data["g"],
        date.fromisoformat(data["u"]) if data["u"] else None,
    )  # fmt: skip


async def load(account: TransitAccount) -> RiderState:
    # A card under in-person review keeps its fare until it runs out.
    card = await SpecialCard.get_or_none(
        account_id=account.id, state__in=(CardState.ACTIVE, CardState.REVIEW)
    )
    return RiderState(
        account.id, account.rider_birth_date, account.arrears_fen,
        card.group if card else None, card.valid_until if card else None,
    )  # fmt: skip


async def put(redis: Redis, actor: uuid.UUID, member: str, state: RiderState) -> None:
    value = json.dumps({
        "a": str(state.account_id), "b": state.birth_date.isoformat(), "r": state.arrears_fen,
        "g": state.card_group, "u": state.card_until.isoformat() if state.card_until else None,
    })  # fmt: skip
    key, index = _key(actor, member), _INDEX + state.account_id.hex
    async with redis.pipeline(transaction=False) as pipe:
        pipe.set(key, value, ex=TTL_SECONDS)
        pipe.sadd(index, key)
        pipe.expire(index, TTL_SECONDS * 2)
        await pipe.execute()


async def forget(redis: Redis, *account_ids: uuid.UUID) -> None:
    """Drop every cached view of these accounts (call after the change is committed)."""
    if not account_ids:
        return
    indexes = [_INDEX + account_id.hex for account_id in account_ids]
    async with redis.pipeline(transaction=False) as pipe:
        for index in indexes:
            pipe.smembers(index)
        members = await pipe.execute()
    keys = [key for found in members for key in found]
    await redis.delete(*indexes, *keys)
