"""Platform answers cached in Redis, encrypted (AES-256-GCM), for minutes at most.

Entries belong to an *owner*: the resident reading their own records (``r:<id>``), a
delegation a delegate reads through (``d:<id>``), or a consent a clinician reads under
(``c:<id>``). Each owner's keys are indexed, so ending a delegation drops its entries at once.
Key names carry a keyed hash of the query, never the query; the value's associated data is
the key name, so an entry copied under another key does not decrypt.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from redis.asyncio import Redis

from services import jobs
from services.deps import Deps
from services.privacy import FieldCipher

_ENTRY = "palm:medical:cache:"
_INDEX = "palm:medical:cache-index:"
DROP_TOPIC: jobs.Topic = "medical.cache.drop"


@dataclass(frozen=True, slots=True)
class Cached:
    body: str
    fetched_at: float


def _index(owner: str) -> str:
    return f"{_INDEX}{{{owner}}}"


def delegation_owner(delegation_id: uuid.UUID) -> str:
    return f"d:{delegation_id.hex}"


def consent_owner(consent_id: uuid.UUID) -> str:
    return f"c:{consent_id.hex}"


class MedicalCache:
    """One owner's cached answers."""

    def __init__(self, redis: Redis, cipher: FieldCipher, owner: str, keep_seconds: int) -> None:
        self._redis, self._cipher, self._owner = redis, cipher, owner
        self._keep = keep_seconds

    def _key(self, query: str) -> str:
        digest = self._cipher.lookup_hash(f"{self._owner}\x00{query}", field="medical_cache")
        # The owner is the hash tag: an owner's entries and index share a Redis Cluster slot.
        return f"{_ENTRY}{{{self._owner}}}:{digest[:40]}"

    async def get(self, query: str) -> Cached | None:
        key = self._key(query)
        raw = await self._redis.get(key)
        if raw is None:
            return None
        try:
            token = raw.decode() if isinstance(raw, bytes) else str(raw)
            data = json.loads(self._cipher.decrypt(token, field=key))
        except (ValueError, KeyError, InvalidTag):  # a key rotated away, or tampered: refetch
            return None
        return Cached(str(data["b"]), float(data["t"]))

    async def put(self, query: str, body: str, fetched_at: float) -> None:
        key = self._key(query)
        value = self._cipher.encrypt(json.dumps({"t": fetched_at, "b": body}), field=key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key, value.encode(), ex=self._keep)
            pipe.sadd(_index(self._owner), key)
            pipe.expire(_index(self._owner), self._keep)
            await pipe.execute()


async def drop_owner(redis: Redis, owner: str) -> int:
    """Delete every cached answer of ``owner``; the number of entries dropped."""
    index = _index(owner)
    keys = [k.decode() if isinstance(k, bytes) else str(k) for k in await redis.smembers(index)]
    dropped = int(await redis.delete(*keys)) if keys else 0
    await redis.delete(index)
    return dropped


async def drop_for(redis: Redis, delegation_id: uuid.UUID) -> int:
    """Forget what was cached for a delegation (it ended): the number of entries dropped."""
    return await drop_owner(redis, delegation_owner(delegation_id))


async def forget_delegation(delegation_id: uuid.UUID, ended_at: datetime) -> None:
    """Call where a delegation ends (in its transaction): its cache is dropped after commit."""
    key = f"{DROP_TOPIC}:{delegation_id}:{ended_at.timestamp():.6f}"
    payload = {"delegation": str(delegation_id)}
    await jobs.add(DROP_TOPIC, payload, key=key)
    # Again a minute later, for what a request already under way when it ended put back.
    await jobs.add(DROP_TOPIC, payload, key=key + ":late", delay_seconds=60)


async def forget_later(owner: str, ended_at: datetime) -> None:
    """In the transaction that ends ``owner``: drop its cache again a minute after commit."""
    key = f"{DROP_TOPIC}:{owner}:{ended_at.timestamp():.6f}:late"
    await jobs.add(DROP_TOPIC, {"owner": owner}, key=key, delay_seconds=60)


async def drop_job(deps: Deps, payload: dict[str, Any]) -> None:
    """Job: drop the cached answers of an owner, or of a delegation that ended."""
    if "owner" in payload:
        await drop_owner(deps.redis, str(payload["owner"]))
    else:
        await drop_for(deps.redis, uuid.UUID(payload["delegation"]))
