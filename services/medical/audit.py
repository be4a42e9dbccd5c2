"""``palm audit verify``: each patient's chain, their head row and the latest signed tree head.

A chain alone shows an edited entry (its keyed hash), a deleted one (a gap in seq, a broken
link), reordered entries (each verifies only at the place it was written) and entries cut
from the end (the head row names a later one). A chain cut back with its head row edited to
match shows against the signed tree head, which committed to a later seq and hash; the tree
head itself is checked against its signature, the app's key, its stored leaves, and the copy
exported outside the database when one is given.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from tortoise.expressions import Q

from models.medical.access_log import AccessLogEntry, AccessLogHead
from models.medical.tree_heads import AccessTreeLeaf
from services.medical import accesslog, treehead
from services.medical.treehead import SignedHead
from services.privacy import FieldCipher


@dataclass(slots=True)
class AuditReport:
    tree: SignedHead | None = None  # the signed head the chains were checked against
    patients: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # not failures: e.g. nothing sealed yet

    @property
    def intact(self) -> bool:
        return not self.problems


Sealed = dict[str, tuple[int, str]]  # patient_key -> (seq, entry_hash) in the tree head


async def _check_tree(
    cipher: FieldCipher, report: AuditReport, trusted: SignedHead | None
) -> Sealed:
    """The latest signed tree head and its leaves, checked; the leaves by patient."""
    public = treehead.signer(cipher).public_bytes()
    if trusted is not None and not trusted.signed_by(public):
        report.problems.append(
            f"the exported tree head {trusted.tree_id} is not signed by this app's key"
        )
        trusted = None
    head = await treehead.latest()
    if trusted is not None:
        stored = await treehead.head_of(trusted.tree_id)
        if stored is None:
            report.problems.append(
                f"signed tree head {trusted.tree_id} (exported, {trusted.signed_at:%Y-%m-%d %H:%M}"
                " UTC) is missing from the database (tree heads deleted)"
            )
        elif stored != trusted:
            report.problems.append(
                f"tree head {trusted.tree_id} in the database differs from its exported copy"
            )
        if head is None or head.tree_id < trusted.tree_id:
            head = trusted
    if head is None:
        if await AccessTreeLeaf.exists():
            report.problems.append("tree leaves are stored but every signed tree head is gone")
        else:
            report.notes.append("no signed tree head yet: chains checked on their own")
        return {}
    report.tree = head
    if not head.signed_by(public):
        report.problems.append(f"tree head {head.tree_id} is not signed by this app's key")
    leaves = await treehead.leaves_of(head.tree_id)
    if len(leaves) != head.tree_size or treehead.tree_root(leaves) != head.root_hash:
        report.problems.append(
            f"the leaves stored for tree head {head.tree_id} do not give its signed root"
            f" ({len(leaves)} leaves, {head.tree_size} signed): leaves edited or removed"
        )
    return {k: (s, h) for k, s, h in leaves}


def check_chain(
    cipher: FieldCipher,
    chain: list[AccessLogEntry],
    head: tuple[int, str] | None,
    sealed: tuple[int, str] | None,
    tree: SignedHead | None,
) -> list[str]:
    """Every problem in one patient's chain (entries in seq order), its head and its leaf."""
    problems: list[str] = []
    # Where each entry was written, from the links alone: reordering shows against it.
    after = {e.prev_hash: e for e in chain}
    written: dict[int, int] = {}
    link, place = accesslog.GENESIS, 1
    while link in after and place <= len(chain):
        written[id(after[link])] = place
        link, place = after[link].entry_hash, place + 1
    expected, prev = 1, accesslog.GENESIS
    for entry in chain:
        if entry.seq > expected:
            problems.append(f"entries {expected}..{entry.seq - 1} are missing (deleted)")
        if entry.prev_hash != prev:
            problems.append(f"entry {entry.seq} (id {entry.id}) does not follow the one before")
        if not accesslog.hash_matches(cipher, entry):
            place = written.get(id(entry), 0)
            if place and place != entry.seq and accesslog.hash_matches(cipher, entry, place):
                problems.append(
                    f"entry {entry.seq} (id {entry.id}) was written as entry {place}:"
                    " entries reordered"
                )
            else:
                problems.append(f"entry {entry.seq} (id {entry.id}) was altered")
        expected, prev = entry.seq + 1, entry.entry_hash
    end = chain[-1].seq if chain else 0
    if head is None and chain:
        problems.append(f"the chain has {len(chain)} entries but no head row (head deleted)")
    elif head is not None and (head[0] != end or head[1] != prev):
        problems.append(
            f"the chain ends at entry {end} but its head names entry {head[0]}"
            " (entries removed from the end, or the head was edited)"
        )
    if sealed is not None and tree is not None:
        seq, digest = sealed
        at = next((e for e in chain if e.seq == seq), None)
        when = f"signed tree head {tree.tree_id} ({tree.signed_at:%Y-%m-%d %H:%M} UTC)"
        if at is None and end < seq:
            problems.append(
                f"the chain ends at entry {end} but {when} committed to entry {seq}:"
                " entries removed and the head rewound"
            )
        elif at is None or at.entry_hash != digest:
            problems.append(f"entry {seq} is not the one {when} committed to")
    return problems


async def verify_patient(
    cipher: FieldCipher, patient_key: str, *, trusted: SignedHead | None = None
) -> AuditReport:
    """One patient's chain against their head row and the latest signed tree head."""
    report = AuditReport()
    sealed = await _check_tree(cipher, report, trusted)
    chain = [e async for e in accesslog.chain_of(patient_key)]
    row = await AccessLogHead.get_or_none(patient_key=patient_key)
    head = (row.seq, row.entry_hash) if row else None
    report.patients = 1 if chain or head or patient_key in sealed else 0
    report.entries = len(chain)
    report.problems += check_chain(cipher, chain, head, sealed.get(patient_key), report.tree)
    return report


async def _every_entry(batch: int) -> AsyncIterator[list[AccessLogEntry]]:
    """Each patient's chain in turn, read in (patient_key, seq) order a batch at a time."""
    chain: list[AccessLogEntry] = []
    key, seq = "", 0
    while True:
        query = AccessLogEntry.filter(Q(patient_key__gt=key) | Q(patient_key=key, seq__gt=seq))
        rows = await query.order_by("patient_key", "seq").limit(batch)
        for row in rows:
            if chain and row.patient_key != chain[0].patient_key:
                yield chain
                chain = []
            chain.append(row)
        if len(rows) < batch:
            break
        key, seq = rows[-1].patient_key, rows[-1].seq
    if chain:
        yield chain


async def verify_all(
    cipher: FieldCipher, *, trusted: SignedHead | None = None, batch: int = 1000
) -> AuditReport:
    """Every patient's chain, head row and leaf, and the latest signed tree head."""
    report = AuditReport()
    sealed = await _check_tree(cipher, report, trusted)
    rows = await AccessLogHead.all().values_list("patient_key", "seq", "entry_hash")
    heads = {str(k): (int(s), str(h)) for k, s, h in rows}
    seen: set[str] = set()

    def check(patient: str, chain: list[AccessLogEntry]) -> None:
        seen.add(patient)
        report.patients += 1
        report.entries += len(chain)
        problems = check_chain(cipher, chain, heads.get(patient), sealed.get(patient), report.tree)
        report.problems += [f"patient {patient[:12]}: {p}" for p in problems]

    async for chain in _every_entry(batch):
        check(chain[0].patient_key, chain)
    for patient in sorted((heads.keys() | sealed.keys()) - seen):
        check(patient, [])
    return report
