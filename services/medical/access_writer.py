"""Appends to the medical access log, written together (group commit).

A record read must be in the patient's log before its answer leaves, and each append is a
transaction of its own: lock the chain's head, insert the entry, move the head, commit. When
many reads arrive at once (one family's phones, a clinic's screens, or simply a busy second),
the appends that arrive while one transaction is being written wait for it and then go
together in the next one: one lock of each head concerned (in key order, so two processes
cannot deadlock on a pair), one insert of every entry, one update of the heads. Every caller
still returns only once its own entry is committed; a batch that fails fails each of its
callers, and nothing of it is written.

Only for appends that stand alone: an append that must commit with another change (a consent
withdrawn and its log entry) stays inside that transaction with ``accesslog.append``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from models.medical.access_log import AccessLogEntry, AccessLogHead
from services.medical import accesslog
from services.privacy import FieldCipher

log = logging.getLogger("palm.medical.access")

_ATTEMPTS = 8
MAX_BATCH = 256  # entries per transaction: a bound on one insert's size and one lock's hold

# PostgreSQL: every head of the batch moved in one statement, each only from the seq it was
# read at (the lock makes that certain; the check makes a broken assumption fail loudly).
_MOVE_HEADS = (
    "UPDATE medical_access_log_heads AS h SET seq = v.seq, entry_hash = v.hash "
    "FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[]) AS v(k, old, seq, hash) "
    "WHERE h.patient_key = v.k AND h.seq = v.old"
)


@dataclass(slots=True)
class _Pending:
    row: dict[str, Any]
    at: datetime
    done: asyncio.Future[None] = field(repr=False)


class AccessWriter:
    """One per process (``Deps.access_log``): appends from concurrent requests, grouped."""

    def __init__(self, cipher: FieldCipher, max_batch: int = MAX_BATCH) -> None:
        self._cipher = cipher
        self._max = max_batch
        self._queue: list[_Pending] = []
        self._lock: asyncio.Lock | None = None
        self.transactions = 0  # how many were written (tests and the bench read it)
        self.entries = 0

    async def append(self, access: accesslog.Access, *, now: datetime) -> None:
        """Add one entry at the end of the patient's chain; returns once it is committed."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        mine = _Pending(
            accesslog.entry_row(self._cipher, access),
            now.astimezone(UTC),
            asyncio.get_running_loop().create_future(),
        )
        self._queue.append(mine)
        # The first to get the lock writes everything queued by then (its own entry too);
        # whoever queued meanwhile finds theirs written when the lock comes to them, or writes
        # the next batch.
        while not mine.done.done():
            async with self._lock:
                if not mine.done.done():
                    batch, self._queue = self._queue[: self._max], self._queue[self._max :]
                    # Shielded: if this caller goes away, the others of its batch still get theirs.
                    await asyncio.shield(self._write_all(batch))
        mine.done.result()  # raises what failed the batch

    async def _write_all(self, batch: list[_Pending]) -> None:
        try:
            await self._write(batch)
        except BaseException as exc:  # handed to every caller of the batch
            for item in batch:
                if not item.done.done():
                    item.done.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for item in batch:
            if not item.done.done():
                item.done.set_result(None)

    async def _write(self, batch: list[_Pending]) -> None:
        for attempt in range(_ATTEMPTS):
            try:
                async with in_transaction() as conn:
                    await self._write_once(conn, batch)
                self.transactions += 1
                self.entries += len(batch)
                return
            except (IntegrityError, OperationalError) as exc:
                # A head moved by a writer elsewhere (SQLite), a first entry raced, or two
                # processes' batches deadlocked (PostgreSQL aborts one): all again.
                if attempt == _ATTEMPTS - 1:
                    raise RuntimeError("could not append to the medical access log") from exc
                log.info("access log batch of %d retried: %s", len(batch), type(exc).__name__)

    async def _write_once(self, conn: BaseDBAsyncClient, batch: list[_Pending]) -> None:
        keys = sorted({item.row["patient_key"] for item in batch})
        heads = await _lock_heads(keys)
        missing = [k for k in keys if k not in heads]
        if missing:  # first entries: whoever inserts a head first wins, the others wait on it
            await AccessLogHead.bulk_create(
                [
                    AccessLogHead(patient_key=k, seq=0, entry_hash=accesslog.GENESIS)
                    for k in missing
                ],
                ignore_conflicts=True,
            )
            heads.update(await _lock_heads(missing))
            if len(heads) != len(keys):
                raise IntegrityError("access log head vanished")
        read_at = {k: head.seq for k, head in heads.items()}
        entries = []
        for item in batch:
            head = heads[item.row["patient_key"]]
            seq, prev = head.seq + 1, head.entry_hash
            digest = accesslog.entry_hash(self._cipher, seq, item.at, item.row, prev)
            entries.append(
                AccessLogEntry(seq=seq, at=item.at, prev_hash=prev, entry_hash=digest, **item.row)
            )
            head.seq, head.entry_hash = seq, digest
        await AccessLogEntry.bulk_create(entries)
        await _move_heads(conn, heads, read_at)


async def _lock_heads(keys: list[str]) -> dict[str, AccessLogHead]:
    rows = (
        await AccessLogHead.filter(patient_key__in=keys).order_by("patient_key").select_for_update()
    )
    return {row.patient_key: row for row in rows}


async def _move_heads(
    conn: BaseDBAsyncClient, heads: dict[str, AccessLogHead], read_at: dict[str, int]
) -> None:
    if conn.capabilities.dialect == "postgres":
        keys = list(heads)
        old = [read_at[k] for k in keys]
        new = [heads[k].seq for k in keys]
        hashes = [heads[k].entry_hash for k in keys]
        moved, _ = await conn.execute_query(_MOVE_HEADS, [keys, old, new, hashes])
        if moved != len(keys):
            raise IntegrityError("access log head moved")
        return
    for key, head in heads.items():  # SQLite: one writer at a time; each head from where read
        if not await AccessLogHead.filter(patient_key=key, seq=read_at[key]).update(
            seq=head.seq, entry_hash=head.entry_hash
        ):
            raise IntegrityError("access log head moved")
