"""A chat's short-term state in Redis: the step of a multi-message exchange, and recent activity.

WeChat lets us send customer-service messages only within 48 hours of the user's last message,
so each message also marks the chat as open for that long.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

STATE_TTL = 600  # an unanswered question ("agree to share your phone?") lapses after 10 min
WINDOW_SECONDS = 48 * 3600
_STATE = "palm:bot:state:"
_OPEN = "palm:bot:open:"


@dataclass(frozen=True, slots=True)
class State:
    name: str
    data: dict[str, Any] = field(default_factory=dict)


async def load(redis: Redis, openid: str) -> State | None:
    raw = await redis.get(_STATE + openid)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
        return State(str(value["name"]), dict(value.get("data") or {}))
    except (ValueError, KeyError, TypeError):
        return None  # written by an older release: start the exchange afresh


async def save(redis: Redis, openid: str, state: State) -> None:
    payload = json.dumps({"name": state.name, "data": state.data}, ensure_ascii=False)
    await redis.set(_STATE + openid, payload, ex=STATE_TTL)


async def clear(redis: Redis, openid: str) -> None:
    await redis.delete(_STATE + openid)


async def mark_open(redis: Redis, openid: str) -> None:
    """The user just wrote to us: customer-service messages may reach them for 48 hours."""
    await redis.set(_OPEN + openid, b"1", ex=WINDOW_SECONDS)


async def is_open(redis: Redis, openid: str) -> bool:
    return bool(await redis.exists(_OPEN + openid))
