"""Platform answers cached in Redis, encrypted (AES-256-GCM), for minutes at most.

Entries belong to an *owner*: the resident reading their own records (``r:<id>``), a
delegation a delegate reads through (``d:<id>``), or a consent a clinician reads under
(``c:<id>``). Each owner's keys are indexed, so ending a delegation drops its entries at once.
Key names carry a keyed hash of the query, never the query; the value's associated data is
the key name, so an entry copied under another key does not decrypt.

Each process also keeps what it read or wrote here, decrypted, in a small ``LocalCopy``
(``COPY``: at most ``COPY_SIZE`` answers, each only while it is fresh): the next read of the
same answer costs no round trip and no decryption. Dropping an owner's entries is announced
(topic ``OWNER_TOPIC``), so every process lets go of its copies too.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from redis.asyncio import Redis

from services import jobs
from services.deps import Deps
from services.localcopy import Changes, LocalCopy
from services.privacy import FieldCipher

_ENTRY = "palm:medical:cache:"
_INDEX = "palm:medical:cache-index:"
DROP_TOPIC: jobs.Topic = "medical.cache.drop"
COPY, OWNER_TOPIC = "medical-answers", "medical-owner"
COPY_SIZE = 1000  # answers (a page of records is some kilobytes)


def answers_copy(changes: Changes, fresh_seconds: float) -> LocalCopy[Cached]:
    """This process's copy of cached answers (made on first use)."""
    return changes.copy(COPY, size=COPY_SIZE, fresh_seconds=fresh_seconds, topic=OWNER_TOPIC)


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

    def __init__(
        self,
        redis: Redis,
        cipher: FieldCipher,
        owner: str,
        keep_seconds: int,
        copy: LocalCopy[Cached] | None = None,
    ) -> None:
        self._redis, self._cipher, self._owner = redis, cipher, owner
        self._keep = keep_seconds
        self._copy = copy

    def _key(self, query: str) -> str:
        digest = self._cipher.lookup_hash(f"{self._owner}\x00{query}", field="medical_cache")
        # The owner is the hash tag: an owner's entries and index share a Redis Cluster slot.
        return f"{_ENTRY}{{{self._owner}}}:{digest[:40]}"

    async def get(self, query: str) -> Cached | None:
        """The cached answer; from this process's copy while that is fresh (its freshness is
        the answer's: an answer fetched a while ago elsewhere is read from Redis, which may
        hold a newer one)."""
        here = f"{self._owner}\x00{query}"
        if self._copy is not None and (kept := self._copy.get(here)) is not None:
            return kept
        epoch = self._copy.begin() if self._copy is not None else 0
        key = self._key(query)
        raw = await self._redis.get(key)
        if raw is None:
            return None
        try:
            token = raw.decode() if isinstance(raw, bytes) else str(raw)
            data = json.loads(self._cipher.decrypt(token, field=key))
        except (ValueError, KeyError, InvalidTag):  # a key rotated away, or tampered: refetch
            return None
        found = Cached(str(data["b"]), float(data["t"]))
        self._keep_here(here, found, epoch)
        return found

    def _keep_here(self, here: str, found: Cached, epoch: int) -> None:
        if self._copy is None:
            return
        # Kept no longer than the answer stays fresh (the gateway's rule): a stale one is read
        # from Redis again.
        left = self._copy.fresh_seconds - (time.time() - found.fetched_at)
        if left > 0:
            self._copy.keep(here, found, self._owner, epoch, fresh_seconds=left)

    async def put(self, query: str, body: str, fetched_at: float) -> None:
        epoch = self._copy.begin() if self._copy is not None else 0
        key = self._key(query)
        value = self._cipher.encrypt(json.dumps({"t": fetched_at, "b": body}), field=key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key, value.encode(), ex=self._keep)
            pipe.sadd(_index(self._owner), key)
            pipe.expire(_index(self._owner), self._keep)
            await pipe.execute()
        self._keep_here(f"{self._owner}\x00{query}", Cached(body, fetched_at), epoch)


async def drop_owner(redis: Redis, owner: str, changes: Changes | None = None) -> int:
    """Delete every cached answer of ``owner``, and every process's copies of them (announced
    on ``changes``); the number of entries dropped from Redis."""
    index = _index(owner)
    keys = [k.decode() if isinstance(k, bytes) else str(k) for k in await redis.smembers(index)]
    dropped = int(await redis.delete(*keys)) if keys else 0
    await redis.delete(index)
    if changes is not None:
        await changes.announce((OWNER_TOPIC, owner))
    return dropped


async def drop_for(redis: Redis, delegation_id: uuid.UUID, changes: Changes | None = None) -> int:
    """Forget what was cached for a delegation (it ended): the number of entries dropped."""
    return await drop_owner(redis, delegation_owner(delegation_id), changes)


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
        await drop_owner(deps.redis, str(payload["owner"]), deps.changes)
    else:
        await drop_for(deps.redis, uuid.UUID(payload["delegation"]), deps.changes)
