"""The medical access log: append-only, one chain per patient, each entry chained to the one
before by a keyed hash.

``entry_hash = HMAC(key, prev_hash ‖ every column)``, the key derived from the app's secret
keys (``FieldCipher.lookup_hash``), so someone with only database access cannot forge a
consistent chain after editing a row. A patient's entries are numbered 1, 2, … without gaps
(``seq`` is unique per patient) and their head row holds the last one, so a deleted entry
shows wherever it was. ``treehead`` seals every chain's head under a signed Merkle root, which
shows a chain cut back with its head edited to match; ``audit`` checks both.
"""

from __future__ import annotations

import hmac
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


def entry_row(cipher: FieldCipher, access: Access) -> dict[str, Any]:
    """The columns of ``access``'s entry but its place in the chain (seq, time, hashes)."""
    return {
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


async def append(cipher: FieldCipher, access: Access, *, now: datetime) -> AccessLogEntry:
    """Add one entry at the end of the patient's chain; appends for other patients never wait.

    The patient's head row is locked (``FOR UPDATE`` on PostgreSQL; SQLite runs one
    transaction at a time), so concurrent appends for one patient queue on it: no fork, no gap.
    """
    at = now.astimezone(UTC)
    row = entry_row(cipher, access)
    key = access.patient_key
    for _ in range(_ATTEMPTS):
        try:
            async with in_transaction():
                head = await AccessLogHead.filter(patient_key=key).select_for_update().first()
                if head is None:
                    # A patient's first entry: whoever inserts the head first wins, the other
                    # waits on its lock, then reads it.
                    await AccessLogHead.bulk_create(
                        [AccessLogHead(patient_key=key, seq=0, entry_hash=GENESIS)],
                        ignore_conflicts=True,
                    )
                    head = await AccessLogHead.filter(patient_key=key).select_for_update().first()
                    if head is None:
                        raise IntegrityError("access log head vanished")
                seq, prev = head.seq + 1, head.entry_hash
                digest = entry_hash(cipher, seq, at, row, prev)
                entry = await AccessLogEntry.create(
                    seq=seq, at=at, prev_hash=prev, entry_hash=digest, **row
                )
                # Conditional, so a writer that read a stale head cannot move it: the unique
                # (patient_key, seq) already refused its entry.
                if not await AccessLogHead.filter(patient_key=key, seq=head.seq).update(
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


async def chain_of(patient: str, *, batch: int = 1000) -> AsyncIterator[AccessLogEntry]:
    """A patient's entries in seq order, read a batch at a time."""
    after = 0
    while True:
        query = AccessLogEntry.filter(patient_key=patient, seq__gt=after)
        rows = await query.order_by("seq").limit(batch)
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        after = rows[-1].seq


def hash_matches(cipher: FieldCipher, entry: AccessLogEntry, seq: int | None = None) -> bool:
    """Does the stored hash cover the row as it is now (at ``seq``, by default its own)?"""
    row = {name: getattr(entry, name) for name in ROW_FIELDS}
    digest = entry_hash(cipher, entry.seq if seq is None else seq, entry.at, row, entry.prev_hash)
    return hmac.compare_digest(digest, entry.entry_hash)


ROW_FIELDS = (
    "patient_key",
    "actor_id",
    "organisation",
    "action",
    "reason",
    "basis_id",
    "record_ref",
    "detail_enc",
)
