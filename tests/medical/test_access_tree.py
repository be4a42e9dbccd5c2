"""Per-patient chains sealed under a signed tree head: every kind of tampering is reported,
and a patient's inclusion proof verifies with nothing but hashlib and the public key."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from integrations.simworld import PEOPLE
from models.medical.access_log import AccessLogEntry, AccessLogHead
from models.medical.tree_heads import AccessTreeHead, AccessTreeLeaf
from palm import keys
from palm.cli_medical import add_commands
from palm.settings import Settings
from services.job_table import TABLE
from services.medical import accesslog, audit, treehead
from services.medical.accesslog import patient_key
from services.privacy import FieldCipher
from tests.helpers import problem
from tests.medical.conftest import ReaderFactory

MOTHER = PEOPLE["parent_mother"].id_number


@pytest.fixture
def settings(base_settings: Settings, tmp_path: Path) -> Settings:
    # No cron here: a seal fired by the clock mid-test would renumber the tree heads.
    return base_settings.with_(data_dir=tmp_path, run_scheduler=False)


def _palm(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="palm")
    add_commands(parser.add_subparsers(required=True))
    args = parser.parse_args(argv)
    return int(args.func(settings, args))


def _cipher(client: TestClient) -> FieldCipher:
    return client.app[keys.DEPS].cipher


async def _mother_reads(reader: ReaderFactory, times: int = 4) -> str:
    """The mother lists her records and reads one ``times`` times: 1 + times entries."""
    mother = await reader("parent_mother")
    page = await mother.records()
    record = next(r["id"] for r in page["records"] if r["kind"] != "visit")
    for _ in range(times):
        await mother.record(record)
    return record


async def _seal(client: TestClient, settings: Settings) -> treehead.Seal:
    return await treehead.seal(_cipher(client), now=datetime.now(UTC), data_dir=settings.data_dir)


async def _verify(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run ``palm audit verify`` (expecting it to fail) and answer what it printed."""
    capsys.readouterr()
    assert await asyncio.to_thread(_palm, settings, "audit", "verify", *argv) == 1
    return capsys.readouterr().err


async def test_each_patient_has_a_chain_of_their_own(
    client: TestClient, reader: ReaderFactory
) -> None:
    await _mother_reads(reader, times=2)
    resident = await reader("resident")
    await resident.records()
    mine = patient_key(_cipher(client), MOTHER)
    seqs = (
        await AccessLogEntry.filter(patient_key=mine)
        .order_by("seq")
        .values_list("seq", "prev_hash")
    )
    assert [s for s, _ in seqs] == [1, 2, 3]
    assert seqs[0][1] == accesslog.GENESIS
    heads = {h.patient_key: h.seq for h in await AccessLogHead.all()}
    assert sorted(heads.values()) == [1, 3]
    assert heads[mine] == 3
    report = await audit.verify_all(_cipher(client))
    assert (report.intact, report.patients, report.entries) == (True, 2, 4)


async def test_a_seal_signs_every_head_and_moves_only_changed_leaves(
    client: TestClient, reader: ReaderFactory, settings: Settings
) -> None:
    await _mother_reads(reader)
    first = await _seal(client, settings)
    assert (first.head.tree_id, first.head.tree_size, first.moved, first.kept) == (1, 1, 1, [])
    resident = await reader("resident")
    await resident.records()
    second = await _seal(client, settings)
    assert (second.head.tree_id, second.head.tree_size, second.moved) == (2, 2, 1)
    public = treehead.signer(_cipher(client)).public_bytes()
    assert second.head.signed_by(public)
    assert not second.head.signed_by(bytes(32))
    # Tree 1's leaves are still readable and still give its root.
    assert treehead.tree_root(await treehead.leaves_of(1)) == first.head.root_hash
    exported = settings.data_dir / "medical" / "access-tree-head.json"
    assert treehead.read_exported(exported) == second.head
    history = (settings.data_dir / "medical" / "access-tree-heads.jsonl").read_text()
    assert [json.loads(line)["tree_id"] for line in history.splitlines()] == [1, 2]


async def test_the_seal_is_a_cron_job_that_exports(client: TestClient, settings: Settings) -> None:
    jobs = {job.name: job for job in TABLE.cron}
    assert jobs["medical.seal_access_log"].run is treehead.seal_job
    await jobs["medical.seal_access_log"].run(client.app[keys.DEPS])
    latest = await treehead.latest()
    assert latest is not None
    assert latest.tree_size == 0
    exported = treehead.read_exported(settings.data_dir / "medical" / "access-tree-head.json")
    assert exported == latest


async def test_palm_audit_seal_signs_and_exports(
    client: TestClient,
    reader: ReaderFactory,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _mother_reads(reader)
    assert await asyncio.to_thread(_palm, settings, "audit", "seal") == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["tree_id"], printed["tree_size"], printed["moved"]) == (1, 1, 1)
    latest = await treehead.latest()
    assert latest is not None
    assert latest.root_hash == printed["root_hash"]
    exported = treehead.read_exported(settings.data_dir / "medical" / "access-tree-head.json")
    assert exported == latest
    # A seal that had to keep an earlier leaf says so, and exits 1.
    await _rewind(patient_key(_cipher(client), MOTHER), 2)
    assert await asyncio.to_thread(_palm, settings, "audit", "seal") == 1
    assert "kept an earlier leaf" in capsys.readouterr().err


async def test_verify_passes_against_the_signed_head(
    client: TestClient,
    reader: ReaderFactory,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _mother_reads(reader)
    await _seal(client, settings)
    await _mother_reads(reader, times=1)  # entries after the seal are fine
    for who in (MOTHER, patient_key(_cipher(client), MOTHER)):
        assert await asyncio.to_thread(_palm, settings, "audit", "verify", "--patient", who) == 0
        assert "intact: 1 patient(s), 7 entries, against signed tree head 1" in (
            capsys.readouterr().out
        )
    assert await asyncio.to_thread(_palm, settings, "audit", "verify", "--all") == 0


async def test_an_altered_entry_is_named(
    client: TestClient,
    reader: ReaderFactory,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _mother_reads(reader)
    await _seal(client, settings)
    await AccessLogEntry.filter(seq=2).update(at=datetime(2026, 1, 1, tzinfo=UTC))
    err = await _verify(settings, capsys, "--patient", MOTHER)
    assert "entry 2 (id" in err
    assert "was altered" in err
    assert "entry 3" not in err
    assert "BROKEN: 1 problem(s)" in err


async def test_a_deleted_entry_is_named(
    client: TestClient,
    reader: ReaderFactory,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _mother_reads(reader)
    await _seal(client, settings)
    await AccessLogEntry.filter(seq=3).delete()
    err = await _verify(settings, capsys, "--all")
    assert "entries 3..3 are missing (deleted)" in err
    assert "entry 4 (id" in err
    assert "does not follow" in err


async def test_reordered_entries_are_named(
    client: TestClient,
    reader: ReaderFactory,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _mother_reads(reader)
    second = await AccessLogEntry.get(seq=2)
    await AccessLogEntry.filter(seq=3).update(seq=-3)
    await AccessLogEntry.filter(id=second.id).update(seq=3)
    await AccessLogEntry.filter(seq=-3).update(seq=2)
    err = await _verify(settings, capsys, "--patient", MOTHER)
    assert "entry 2 (id" in err
    assert "was written as entry 3: entries reordered" in err
    assert f"entry 3 (id {second.id}) was written as entry 2: entries reordered" in err
    assert "altered" not in err


async def test_entries_cut_from_the_end_are_noticed(
    client: TestClient,
    reader: ReaderFactory,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _mother_reads(reader)
    await AccessLogEntry.filter(seq__gte=4).delete()
    err = await _verify(settings, capsys, "--patient", MOTHER)
    assert "the chain ends at entry 3 but its head names entry 5" in err


async def _rewind(mother: str, to: int) -> None:
    """What someone with database access might do: cut the chain and edit the head to match."""
    await AccessLogEntry.filter(patient_key=mother, seq__gt=to).delete()
    last = await AccessLogEntry.get(patient_key=mother, seq=to)
    await AccessLogHead.filter(patient_key=mother).update(seq=to, entry_hash=last.entry_hash)


async def test_a_rewound_head_shows_against_the_signed_tree_head(
    client: TestClient,
    reader: ReaderFactory,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _mother_reads(reader)
    await _seal(client, settings)
    mother = patient_key(_cipher(client), MOTHER)
    await _rewind(mother, 3)
    # The chain and its head agree with each other: only the signed head can tell.
    chain = [e async for e in accesslog.chain_of(mother)]
    assert audit.check_chain(_cipher(client), chain, (3, chain[-1].entry_hash), None, None) == []
    err = await _verify(settings, capsys, "--patient", MOTHER)
    assert "the chain ends at entry 3 but signed tree head 1" in err
    assert "committed to entry 5: entries removed and the head rewound" in err
    # The next seal does not forget: it keeps the leaf, so the next head still commits to 5.
    again = await _seal(client, settings)
    assert again.kept == [f"patient {mother[:12]}: its head went back from entry 5 to entry 3"]
    err = await _verify(settings, capsys, "--all")
    assert "signed tree head 2" in err
    assert "committed to entry 5" in err


async def test_editing_the_leaves_too_breaks_the_signed_root(
    client: TestClient,
    reader: ReaderFactory,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _mother_reads(reader)
    await _seal(client, settings)
    mother = patient_key(_cipher(client), MOTHER)
    await _rewind(mother, 3)
    head = await AccessLogHead.get(patient_key=mother)
    await AccessTreeLeaf.filter(patient_key=mother).update(seq=3, entry_hash=head.entry_hash)
    err = await _verify(settings, capsys, "--all")
    assert "the leaves stored for tree head 1 do not give its signed root" in err


async def test_a_tree_head_signed_with_another_key_is_refused(
    client: TestClient,
    reader: ReaderFactory,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _mother_reads(reader)
    await _seal(client, settings)
    mother = patient_key(_cipher(client), MOTHER)
    await _rewind(mother, 3)
    # A forger rewrites the leaves and signs a new head that matches them, with their own key.
    head = await AccessLogHead.get(patient_key=mother)
    await AccessTreeLeaf.filter(patient_key=mother).update(seq=3, entry_hash=head.entry_hash)
    forger = treehead.signer(FieldCipher((("x", b"\x01" * 32),)))
    root = treehead.tree_root(await treehead.leaves_of(2))
    stamp = int(datetime.now(UTC).timestamp() * 1000)
    await AccessTreeHead.create(
        id=2,
        tree_size=1,
        root_hash=root,
        timestamp_ms=stamp,
        algorithm="ed25519",
        public_key=forger.public_bytes().hex(),
        signature=forger.sign(treehead.signed_message(2, stamp, 1, root)).hex(),
    )
    err = await _verify(settings, capsys, "--all")
    assert "tree head 2 is not signed by this app's key" in err


async def test_deleted_tree_heads_show_against_the_exported_copy(
    client: TestClient,
    reader: ReaderFactory,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _mother_reads(reader)
    await _seal(client, settings)
    await _mother_reads(reader, times=1)
    await _seal(client, settings)
    mother = patient_key(_cipher(client), MOTHER)
    # Back to where tree head 1 was: the chain, the head, the leaves, and head 2 deleted.
    await _rewind(mother, 5)
    await AccessTreeLeaf.filter(from_tree=2).delete()
    await AccessTreeLeaf.filter(to_tree=1).update(to_tree=None)
    await AccessTreeHead.filter(id=2).delete()
    report = await audit.verify_all(_cipher(client))
    assert report.intact  # the database alone is consistent again
    err = await _verify(settings, capsys, "--all")  # the exported copy is read by default
    assert "signed tree head 2 (exported," in err
    assert "missing from the database" in err
    assert "the leaves stored for tree head 2 do not give its signed root" in err
    kept = settings.data_dir / "kept-elsewhere.jsonl"
    kept.write_text((settings.data_dir / "medical" / "access-tree-heads.jsonl").read_text())
    (settings.data_dir / "medical" / "access-tree-head.json").unlink()
    assert await asyncio.to_thread(_palm, settings, "audit", "verify", "--all") == 0
    err = await _verify(settings, capsys, "--all", "--head", str(kept))
    assert "signed tree head 2 (exported," in err


async def test_an_unreadable_exported_head_is_a_usage_error(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    broken = tmp_path / "head.json"
    broken.write_text("{not json")
    assert await asyncio.to_thread(_palm, settings, "audit", "verify", "--head", str(broken)) == 2


def _fold(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """RFC 9162 §2.1.3.2, written out here again so the proof is checked independently."""

    def node(left: bytes, right: bytes) -> bytes:
        return hashlib.sha256(b"\x01" + left + right).digest()

    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            r = node(p, r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            r = node(r, p)
        fn, sn = fn // 2, sn // 2
    return r if sn == 0 else None


def _check(proof: dict[str, object]) -> bool:
    head, leaf = proof["tree_head"], proof["leaf"]
    assert isinstance(head, dict)
    assert isinstance(leaf, dict)
    data = f"{leaf['patient_key']}:{leaf['seq']}:{leaf['entry_hash']}".encode()
    leaf_hash = hashlib.sha256(b"\x00" + data).digest()
    path = [bytes.fromhex(str(p)) for p in proof["audit_path"]]  # type: ignore[attr-defined]
    root = _fold(leaf_hash, int(leaf["index"]), int(head["tree_size"]), path)
    if root is None or root.hex() != head["root_hash"] or leaf_hash.hex() != leaf["leaf_hash"]:
        return False
    message = (
        b"palm-medical-access-sth-v1\x00"
        + int(head["tree_id"]).to_bytes(8, "big")
        + int(head["timestamp_ms"]).to_bytes(8, "big")
        + int(head["tree_size"]).to_bytes(8, "big")
        + root
    )
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(str(head["public_key"])))
    try:
        key.verify(bytes.fromhex(str(head["signature"])), message)
    except Exception:
        return False
    return True


async def test_a_patient_downloads_a_proof_that_verifies_on_its_own(
    client: TestClient,
    reader: ReaderFactory,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mother = await reader("parent_mother")
    await problem(
        await mother.get("/api/v1/medical/access-log/proof"), 404, "access_log_not_sealed"
    )
    await _mother_reads(reader)
    # Others in the tree, so the audit path has several steps.
    for persona in ("resident", "elder", "talent", "parent", "foreigner"):
        await (await reader(persona)).records()
    await problem(
        await mother.get("/api/v1/medical/access-log/proof"), 404, "access_log_not_sealed"
    )
    await _seal(client, settings)
    resp = await mother.get("/api/v1/medical/access-log/proof")
    assert resp.status == 200, await resp.text()
    proof = await resp.json()
    assert proof["leaf"]["seq"] == 5
    assert proof["leaf"]["patient_key"] == patient_key(_cipher(client), MOTHER)
    assert proof["tree_head"]["tree_size"] == 6
    assert len(proof["audit_path"]) >= 2
    assert _check(proof)
    # The published key: what `palm audit tree-head` prints is the key the proof names.
    assert await asyncio.to_thread(_palm, settings, "audit", "tree-head") == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["public_key"] == proof["tree_head"]["public_key"]
    assert printed["root_hash"] == proof["tree_head"]["root_hash"]
    # The check can fail: another seq, another path, another root are refused.
    assert not _check(proof | {"leaf": proof["leaf"] | {"seq": 4}})
    assert not _check(proof | {"audit_path": proof["audit_path"][::-1]})
    fake = proof["tree_head"] | {"root_hash": "00" * 32}
    assert not _check(proof | {"tree_head": fake})
    # After more reads the proof still names what was sealed, until the next seal.
    await _mother_reads(reader, times=1)
    assert (await (await mother.get("/api/v1/medical/access-log/proof")).json())["leaf"]["seq"] == 5
    await _seal(client, settings)
    later = await (await mother.get("/api/v1/medical/access-log/proof")).json()
    assert later["leaf"]["seq"] == 7
    assert _check(later)


async def test_a_relative_gets_the_proof_with_the_delegation_and_nobody_else(
    client: TestClient, reader: ReaderFactory, settings: Settings
) -> None:
    await _mother_reads(reader)
    await _seal(client, settings)
    parent = await reader("parent")
    delegation = (await parent.family())["parent"]
    resp = await parent.get("/api/v1/medical/access-log/proof", member=delegation)
    assert resp.status == 200
    proof = await resp.json()
    assert proof["leaf"]["patient_key"] == patient_key(_cipher(client), MOTHER)
    assert _check(proof)
    # The parent's own log has no entry: nothing sealed for them.
    await problem(
        await parent.get("/api/v1/medical/access-log/proof"), 404, "access_log_not_sealed"
    )
    stranger = await reader("resident")
    for member in (delegation, "00000000-0000-0000-0000-000000000000", "nonsense"):
        resp = await stranger.get("/api/v1/medical/access-log/proof", member=member)
        assert resp.status == 404
        assert (await resp.json())["code"] != "access_log_not_sealed"


async def test_a_second_seal_at_once_is_refused_or_waits(
    client: TestClient, reader: ReaderFactory, settings: Settings
) -> None:
    await _mother_reads(reader)
    results = await asyncio.gather(
        _seal(client, settings), _seal(client, settings), return_exceptions=True
    )
    sealed = [r for r in results if isinstance(r, treehead.Seal)]
    assert sealed, results
    for other in results:
        if not isinstance(other, treehead.Seal):
            assert getattr(other, "code", None) == "access_log_seal_busy"
    ids = await AccessTreeHead.all().order_by("id").values_list("id", flat=True)
    assert ids == list(range(1, len(ids) + 1))
    assert (await audit.verify_all(_cipher(client))).intact
    assert await AccessTreeLeaf.filter(to_tree=None).count() == 1
