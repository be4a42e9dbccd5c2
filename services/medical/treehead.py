"""Signed tree heads: every patient's chain head sealed under one Merkle root, signed.

A seal reads each patient's head (patient_key, seq, entry_hash), builds an RFC 6962 tree over
the leaves ``patient_key:seq:entry_hash`` (UTF-8) in patient_key order, and signs

    b"palm-medical-access-sth-v1\\x00" ‖ tree_id ‖ timestamp_ms ‖ tree_size (8 bytes each,
    big-endian) ‖ root (32 bytes)

with Ed25519 (the code engine's signer), its seed derived from the app's secret keys, so the
key is in no table and someone with database access alone cannot sign. The head is stored
and written to ``<data_dir>/medical/`` (the latest, and a line per head) to be kept outside
the database. A seal never forgets: a chain found shorter than its last leaf, a head that no
longer matches its entry, or a chain rewritten under its last leaf keeps the leaf it had, so
the next signed head still commits to what was there (and ``palm audit verify`` reports it).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import reduce
from operator import or_
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from codes.signing import Algorithm, Signer, load_signer, load_verifier
from models.medical.access_log import AccessLogEntry, AccessLogHead
from models.medical.tree_heads import AccessTreeHead, AccessTreeLeaf
from services.deps import Deps
from services.errors import DomainError
from services.medical import errors, merkle
from services.privacy import FieldCipher

log = logging.getLogger("palm.medical.treehead")

_CONTEXT = b"palm-medical-access-sth-v1\x00"
KEEP_TREES = 144  # leaves of older trees are pruned (a day of ten-minute seals)
EXPORT_DIR = "medical"
LATEST_FILE = "access-tree-head.json"
HISTORY_FILE = "access-tree-heads.jsonl"


def signer(cipher: FieldCipher) -> Signer:
    """The app's tree-head key: the same on every instance that shares the secret keys."""
    seed = cipher.lookup_hash("tree head signing key v1", field="medical_access_tree_key")
    return load_signer(Algorithm.ED25519, bytes.fromhex(seed))


def leaf_data(patient_key: str, seq: int, head_hash: str) -> bytes:
    return f"{patient_key}:{seq}:{head_hash}".encode()


@dataclass(frozen=True, slots=True)
class SignedHead:
    tree_id: int
    tree_size: int
    root_hash: str  # hex
    timestamp_ms: int
    algorithm: str
    public_key: str  # hex
    signature: str  # hex

    def message(self) -> bytes:
        return signed_message(self.tree_id, self.timestamp_ms, self.tree_size, self.root_hash)

    def signed_by(self, public_key: bytes) -> bool:
        """Is the signature valid, and made with ``public_key``?"""
        if self.algorithm != Algorithm.ED25519.label or self.public_key != public_key.hex():
            return False
        try:
            verifier = load_verifier(Algorithm.ED25519, public_key)
            return verifier.verify(bytes.fromhex(self.signature), self.message())
        except ValueError:
            return False

    @property
    def signed_at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp_ms / 1000, UTC)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SignedHead:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})

    @classmethod
    def of(cls, row: AccessTreeHead) -> SignedHead:
        return cls(
            row.id,
            row.tree_size,
            row.root_hash,
            row.timestamp_ms,
            row.algorithm,
            row.public_key,
            row.signature,
        )


def signed_message(tree_id: int, timestamp_ms: int, tree_size: int, root_hash: str) -> bytes:
    numbers = b"".join(n.to_bytes(8, "big") for n in (tree_id, timestamp_ms, tree_size))
    return _CONTEXT + numbers + bytes.fromhex(root_hash)


Leaf = tuple[str, int, str]  # patient_key, seq, entry_hash


@dataclass(frozen=True, slots=True)
class Seal:
    head: SignedHead
    moved: int  # patients whose leaf changed
    kept: list[str]  # why a patient's leaf was kept although their chain or head changed


async def latest() -> SignedHead | None:
    row = await AccessTreeHead.all().order_by("-id").first()
    return SignedHead.of(row) if row else None


async def head_of(tree_id: int) -> SignedHead | None:
    row = await AccessTreeHead.get_or_none(id=tree_id)
    return SignedHead.of(row) if row else None


async def leaves_of(tree_id: int) -> list[Leaf]:
    """The leaves tree ``tree_id`` covers, in tree order (patient_key)."""
    query = AccessTreeLeaf.filter(from_tree__lte=tree_id).filter(
        Q(to_tree=None) | Q(to_tree__gte=tree_id)
    )
    rows = await query.values_list("patient_key", "seq", "entry_hash")
    return sorted((str(k), int(s), str(h)) for k, s, h in rows)


def tree_root(leaves: Iterable[Leaf]) -> str:
    return merkle.root([merkle.leaf_hash(leaf_data(*leaf)) for leaf in leaves]).hex()


async def _entries_match(pairs: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The stored entry_hash of each (patient_key, seq) that exists."""
    found: dict[tuple[str, int], str] = {}
    for i in range(0, len(pairs), 200):
        chunk = pairs[i : i + 200]
        where = reduce(or_, (Q(patient_key=k, seq=s) for k, s in chunk))
        rows = await AccessLogEntry.filter(where).values_list("patient_key", "seq", "entry_hash")
        found.update({(str(k), int(s)): str(h) for k, s, h in rows})
    return found


async def seal(cipher: FieldCipher, *, now: datetime, data_dir: Path | None = None) -> Seal:
    """Sign a new tree head over every chain's head; ``data_dir``: also export it there."""
    key = signer(cipher)
    try:
        async with in_transaction():
            last = await AccessTreeHead.all().order_by("-id").first()
            tree_id = (last.id if last else 0) + 1
            heads = await AccessLogHead.all().values_list("patient_key", "seq", "entry_hash")
            open_rows = await AccessTreeLeaf.filter(to_tree=None).values_list(
                "id", "patient_key", "seq", "entry_hash"
            )
            current = {str(k): (int(i), int(s), str(h)) for i, k, s, h in open_rows}
            leaves, moved, closed, kept = _plan(heads, current)
            below = [(k, current[k][1]) for k, _, _ in moved if k in current]
            stored = await _entries_match([(k, s) for k, s, _ in moved] + below)
            for patient, seq, digest in list(moved):
                old = current.get(patient)
                if stored.get((patient, seq)) != digest:
                    reason = "its head names an entry that is not stored"
                elif old is not None and stored.get((patient, old[1])) != old[2]:
                    reason = f"entry {old[1]} is no longer the one the last tree head covered"
                else:
                    continue
                moved.remove((patient, seq, digest))
                kept.append(f"patient {patient[:12]}: {reason}")
                if old is None:
                    leaves.pop(patient)
                else:
                    closed.discard(old[0])
                    leaves[patient] = (old[1], old[2])
            if closed:
                await AccessTreeLeaf.filter(id__in=sorted(closed)).update(to_tree=tree_id - 1)
            await AccessTreeLeaf.bulk_create(
                [
                    AccessTreeLeaf(patient_key=k, seq=s, entry_hash=h, from_tree=tree_id)
                    for k, s, h in moved
                ],
                batch_size=1000,
            )
            ordered = sorted((k, s, h) for k, (s, h) in leaves.items())
            root = tree_root(ordered)
            stamp = int(now.timestamp() * 1000)
            signature = key.sign(signed_message(tree_id, stamp, len(ordered), root))
            row = await AccessTreeHead.create(
                id=tree_id,
                tree_size=len(ordered),
                root_hash=root,
                timestamp_ms=stamp,
                algorithm=key.algorithm.label,
                public_key=key.public_bytes().hex(),
                signature=signature.hex(),
            )
            await AccessTreeLeaf.filter(to_tree__lt=tree_id - KEEP_TREES).delete()
    except IntegrityError:
        raise errors.access_log_seal_busy() from None
    head = SignedHead.of(row)
    for reason in kept:
        log.error("access log tree head %s kept an earlier leaf: %s", tree_id, reason)
    if data_dir is not None:
        export(head, data_dir)
    return Seal(head, len(moved), kept)


def _plan(
    heads: Iterable[tuple[Any, Any, Any]], current: dict[str, tuple[int, int, str]]
) -> tuple[dict[str, tuple[int, str]], list[Leaf], set[int], list[str]]:
    """Each patient's next leaf: (all leaves, the moved ones, leaf rows to close, kept ones)."""
    leaves = {k: (s, h) for k, (_, s, h) in current.items()}
    moved: list[Leaf] = []
    closed: set[int] = set()
    kept: list[str] = []
    seen: set[str] = set()
    for raw_key, raw_seq, raw_hash in heads:
        patient, seq, digest = str(raw_key), int(raw_seq), str(raw_hash)
        seen.add(patient)
        old = current.get(patient)
        if old is not None and (seq, digest) == old[1:]:
            continue
        if old is not None and seq <= old[1]:
            change = f"went back from entry {old[1]} to entry {seq}"
            if seq == old[1]:
                change = f"names entry {seq} with another hash"
            kept.append(f"patient {patient[:12]}: its head {change}")
            continue
        if seq < 1:
            continue
        moved.append((patient, seq, digest))
        leaves[patient] = (seq, digest)
        if old is not None:
            closed.add(old[0])
    for patient in current.keys() - seen:
        kept.append(f"patient {patient[:12]}: its head row is gone")
    return leaves, moved, closed, kept


def export(head: SignedHead, data_dir: Path) -> Path:
    """Write the head to ``<data_dir>/medical/`` (the latest, atomically; and one line more)."""
    folder = data_dir / EXPORT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(head.as_json(), sort_keys=True)
    target = folder / LATEST_FILE
    temporary = target.with_suffix(".tmp")
    temporary.write_text(text + "\n", encoding="utf-8")
    os.replace(temporary, target)
    with (folder / HISTORY_FILE).open("a", encoding="utf-8") as history:
        history.write(text + "\n")
    return target


def read_exported(path: Path) -> SignedHead:
    """The newest head in an exported file (the latest's JSON, or the history's lines)."""
    heads = [
        SignedHead.from_json(json.loads(line))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    if not heads:
        raise ValueError(f"{path}: no tree head in it")
    return max(heads, key=lambda h: h.tree_id)


async def seal_job(deps: Deps) -> None:
    """Cron: seal every chain under a new signed tree head and export it."""
    try:
        await seal(deps.cipher, now=datetime.now(UTC), data_dir=deps.settings.data_dir)
    except DomainError:
        log.info("another seal of the access log is running; this one is skipped")


@dataclass(frozen=True, slots=True)
class Proof:
    head: SignedHead
    index: int
    leaf: Leaf
    leaf_hash: str
    audit_path: list[str]


async def proof_for(patient_key: str) -> Proof:
    """That the patient's chain head is a leaf of the latest signed tree head."""
    head = await latest()
    if head is None:
        raise errors.access_log_not_sealed()
    leaves = await leaves_of(head.tree_id)
    index = next((i for i, leaf in enumerate(leaves) if leaf[0] == patient_key), None)
    if index is None:
        raise errors.access_log_not_sealed()
    hashes = [merkle.leaf_hash(leaf_data(*leaf)) for leaf in leaves]
    path = [h.hex() for h in merkle.audit_path(hashes, index)]
    return Proof(head, index, leaves[index], hashes[index].hex(), path)
