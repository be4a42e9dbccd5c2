"""The medical access log: append-only, each entry chained to the one before by a keyed hash.

``entry_hash = HMAC(key, prev_hash ‖ every column)``, the key derived from the app's secret
keys (``FieldCipher.lookup_hash``), so someone with only database access cannot forge a
consistent chain after editing a row. Entries are numbered without gaps (``seq`` is unique)
and a head row holds the last one, so a deleted entry shows wherever it was.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.medical.access_log import AccessAction, AccessLogEntry, AccessLogHead, AccessReason
from services import paging
from services.privacy import FieldCipher

GENESIS = "0" * 64
_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class Access:
    """Who read whose records, what, and why (``when`` is the append time)."""

    patient_key: str
    actor_id: uuid.UUID
    action: AccessAction
    reason: AccessReason
    basis_id: uuid.UUID | None = None
    organisation: str | None = None
    record_ref: str | None = None
    detail: dict[str, Any] | None = None  # encrypted at rest: titles and kinds are medical


def patient_key(cipher: FieldCipher, id_number: str) -> str:
    """How the log and consents name a patient: a keyed hash of their document number."""
    return cipher.lookup_hash(id_number.upper(), field="medical_patient")


def _canonical(seq: int, at: datetime, row: dict[str, Any], prev_hash: str) -> str:
    fields = [
        seq,
        at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        row["patient_key"],
        str(row["actor_id"]),
        row["organisation"],
        str(row["action"]),
        str(row["reason"]),
        str(row["basis_id"]) if row["basis_id"] else None,
        row["record_ref"],
        row["detail_enc"],
        prev_hash,
    ]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def entry_hash(cipher: FieldCipher, seq: int, at: datetime, row: dict[str, Any], prev: str) -> str:
    return cipher.lookup_hash(_canonical(seq, at, row, prev), field="medical_access_log")


async def append(cipher: FieldCipher, access: Access, *, now: datetime) -> AccessLogEntry:
    """Add one entry at the end of the chain (concurrent appends retry; none forks it)."""
    at = now.astimezone(UTC)
    row: dict[str, Any] = {
        "patient_key": access.patient_key,
        "actor_id": access.actor_id,
        "organisation": access.organisation,
        "action": access.action,
        "reason": access.reason,
        "basis_id": access.basis_id,
        "record_ref": access.record_ref,
        "detail_enc": None
        if access.detail is None
        else cipher.encrypt(
            json.dumps(access.detail, ensure_ascii=False), field="medical_access_detail"
        ),
    }
    for _ in range(_ATTEMPTS):
        try:
            async with in_transaction():
                head = await AccessLogHead.filter(id=1).select_for_update().first()
                if head is None:
                    head = await AccessLogHead.create(id=1, seq=0, entry_hash=GENESIS)
                seq, prev = head.seq + 1, head.entry_hash
                digest = entry_hash(cipher, seq, at, row, prev)
                entry = await AccessLogEntry.create(
                    seq=seq, at=at, prev_hash=prev, entry_hash=digest, **row
                )
                # Conditional, so a writer that read the same head (SQLite has no row locks)
                # cannot move it: the unique seq already refused its entry.
                if not await AccessLogHead.filter(id=1, seq=head.seq).update(
                    seq=seq, entry_hash=digest
                ):
                    raise IntegrityError("access log head moved")
            return entry
        except IntegrityError:
            continue
    raise RuntimeError("could not append to the medical access log")


def decrypt_detail(cipher: FieldCipher, entry: AccessLogEntry) -> dict[str, Any]:
    if not entry.detail_enc:
        return {}
    data = json.loads(cipher.decrypt(entry.detail_enc, field="medical_access_detail"))
    return data if isinstance(data, dict) else {}


async def entries_for(
    patient: str, *, cursor: str | None, limit: int
) -> paging.Page[AccessLogEntry]:
    """A page of a patient's entries, newest first, after ``cursor`` (of the page before)."""
    query = AccessLogEntry.filter(patient_key=patient)
    return await paging.page(query, cursor=cursor, limit=limit, order="seq")


@dataclass(frozen=True, slots=True)
class ChainReport:
    entries: int
    head_seq: int
    head_hash: str
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


async def _walk(batch: int) -> AsyncIterator[AccessLogEntry]:
    after = 0
    while True:
        rows = await AccessLogEntry.filter(seq__gt=after).order_by("seq").limit(batch)
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        after = rows[-1].seq


async def verify_chain(cipher: FieldCipher, *, batch: int = 1000) -> ChainReport:
    """Walk the whole chain; every edited, inserted or deleted entry is reported."""
    problems: list[str] = []
    expected_seq, prev, count = 1, GENESIS, 0
    async for entry in _walk(batch):
        count += 1
        if entry.seq != expected_seq:
            problems.append(f"entries {expected_seq}..{entry.seq - 1} are missing (deleted)")
        if entry.prev_hash != prev:
            problems.append(f"entry {entry.seq} (id {entry.id}) does not follow the one before")
        row = {name: getattr(entry, name) for name in _ROW_FIELDS}
        if entry_hash(cipher, entry.seq, entry.at, row, entry.prev_hash) != entry.entry_hash:
            problems.append(f"entry {entry.seq} (id {entry.id}) was altered")
        expected_seq, prev = entry.seq + 1, entry.entry_hash
    head = await AccessLogHead.get_or_none(id=1)
    head_seq, head_hash = (head.seq, head.entry_hash) if head else (0, GENESIS)
    if head_seq != expected_seq - 1 or head_hash != prev:
        problems.append(
            f"the chain ends at entry {expected_seq - 1} but its head names entry {head_seq}"
            " (entries removed from the end, or the head was edited)"
        )
    return ChainReport(count, head_seq, head_hash, problems)


_ROW_FIELDS = (
    "patient_key",
    "actor_id",
    "organisation",
    "action",
    "reason",
    "basis_id",
    "record_ref",
    "detail_enc",
)
