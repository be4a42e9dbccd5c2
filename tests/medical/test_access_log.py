"""The access log: every read listed for the patient, and a hash chain that shows tampering."""

from __future__ import annotations

import argparse
import asyncio

import pytest
from aiohttp.test_utils import TestClient

from models.medical.access_log import AccessLogEntry
from palm import keys
from palm.cli_medical import add_commands
from palm.settings import Settings
from services.medical import audit
from services.paging import encode_cursor
from tests.helpers import bearer, login, problem
from tests.medical.conftest import ReaderFactory


def _palm(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="palm")
    add_commands(parser.add_subparsers(required=True))
    args = parser.parse_args(argv)
    return int(args.func(settings, args))


async def _reads_of_mother(client: TestClient, reader: ReaderFactory) -> list[str]:
    """The parent lists, reads two reports and downloads one file of their mother's."""
    parent = await reader("parent")
    mother = (await parent.family())["parent"]
    page = await parent.records(member=mother)
    reports = [r["id"] for r in page["records"] if r["kind"] != "visit"][:2]
    for record_id in reports:
        await parent.record(record_id, member=mother)
    detail = await parent.record(reports[0], member=mother)
    assert (await parent.get(detail["document"]["url"])).status == 200
    return reports


async def test_the_patient_sees_each_read(client: TestClient, reader: ReaderFactory) -> None:
    reports = await _reads_of_mother(client, reader)
    mother = bearer(await login(client, "parent_mother"))
    resp = await client.get("/api/v1/medical/access-log", headers=mother)
    entries = (await resp.json())["items"]
    actions = [(e["action"], e["record_id"]) for e in reversed(entries)]
    assert actions == [
        ("list", None),
        ("read", reports[0]),
        ("read", reports[1]),
        ("read", reports[0]),
        ("document", reports[0]),
    ]
    assert {e["actor"] for e in entries} == {"孙*娜"}
    assert {(e["reason"], e["actor_is_me"], e["hospital"]) for e in entries} == {
        ("family", False, None)
    }
    assert all(e["title"] for e in entries if e["record_id"])
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(seqs, reverse=True)


async def test_the_log_is_paged_and_private(client: TestClient, reader: ReaderFactory) -> None:
    await _reads_of_mother(client, reader)
    mother = bearer(await login(client, "parent_mother"))
    first = await (await client.get("/api/v1/medical/access-log?limit=2", headers=mother)).json()
    assert len(first["items"]) == 2
    rest = await client.get(
        "/api/v1/medical/access-log", params={"cursor": first["next_cursor"]}, headers=mother
    )
    page = await rest.json()
    assert len(page["items"]) == 3
    assert page["next_cursor"] is None
    seqs = [e["seq"] for e in first["items"] + page["items"]]
    assert seqs == sorted(set(seqs), reverse=True)
    resident = await reader("resident")
    resp = await resident.get("/api/v1/medical/access-log")
    assert (await resp.json())["items"] == []


async def _mother_key() -> str:
    keys_ = set(await AccessLogEntry.all().values_list("patient_key", flat=True))
    assert len(keys_) == 1
    return str(keys_.pop())


async def test_audit_verify_passes_on_an_intact_chain(
    client: TestClient,
    reader: ReaderFactory,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _reads_of_mother(client, reader)
    report = await audit.verify_patient(client.app[keys.DEPS].cipher, await _mother_key())
    assert (report.intact, report.entries) == (True, 5)
    assert await asyncio.to_thread(_palm, settings, "audit", "verify", "--all") == 0
    assert "intact: 1 patient(s), 5 entries" in capsys.readouterr().out


async def test_audit_verify_names_an_altered_entry(
    client: TestClient,
    reader: ReaderFactory,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reports = await _reads_of_mother(client, reader)
    # What someone with database access might do: point a read at another record.
    await AccessLogEntry.filter(seq=3).update(record_ref=reports[0])
    assert await asyncio.to_thread(_palm, settings, "audit", "verify", "--all") == 1
    err = capsys.readouterr().err
    assert "entry 3" in err
    assert "altered" in err
    assert "entry 4" not in err


async def test_audit_verify_names_a_deleted_entry(
    client: TestClient, reader: ReaderFactory
) -> None:
    await _reads_of_mother(client, reader)
    await AccessLogEntry.filter(seq=2).delete()
    report = await audit.verify_patient(client.app[keys.DEPS].cipher, await _mother_key())
    assert report.problems[0] == "entries 2..2 are missing (deleted)"
    assert any("entry 3" in p for p in report.problems)


async def test_audit_verify_notices_the_end_cut_off(
    client: TestClient, reader: ReaderFactory
) -> None:
    await _reads_of_mother(client, reader)
    mother = await _mother_key()
    await AccessLogEntry.filter(seq=5).delete()
    report = await audit.verify_patient(client.app[keys.DEPS].cipher, mother)
    assert not report.intact
    assert "ends at entry 4" in report.problems[0]
    # Editing the entry the head now points at is found all the same.
    await AccessLogEntry.filter(seq=4).update(detail_enc=None)
    again = await audit.verify_patient(client.app[keys.DEPS].cipher, mother)
    assert any("entry 4" in p for p in again.problems)


async def test_concurrent_reads_never_fork_the_chain(
    client: TestClient, reader: ReaderFactory
) -> None:
    parent = await reader("parent")
    results = await asyncio.gather(*(parent.records() for _ in range(12)))
    assert all(r["records"] for r in results)
    report = await audit.verify_all(client.app[keys.DEPS].cipher)
    assert (report.intact, report.patients, report.entries) == (True, 1, 12)
    seqs = await AccessLogEntry.all().order_by("seq").values_list("seq", flat=True)
    assert seqs == list(range(1, 13))


async def test_paging_values_past_any_bound_are_refused(
    client: TestClient, reader: ReaderFactory
) -> None:
    await _reads_of_mother(client, reader)
    mother = await reader("parent_mother")
    for query in (
        {"before": "99999999999999999999"},  # the old parameter: unknown now, never a 500
        {"limit": "99999999999999999999"},
        {"limit": "0"},
        {"cursor": ""},
        {"cursor": "x" * 300},
    ):
        await problem(
            await mother.get("/api/v1/medical/access-log", **query), 422, "validation_failed"
        )
    for cursor in (encode_cursor(10**20, 1), encode_cursor(1, -(2**64)), "bm90IGpzb24", "AAAA"):
        resp = await mother.get("/api/v1/medical/access-log", cursor=cursor)
        await problem(resp, 400, "invalid_cursor")
    # A cursor at the top of the range is valid: the whole log lies below it.
    far = await mother.get("/api/v1/medical/access-log", cursor=encode_cursor(2**63 - 1, 1))
    assert (await far.json())["items"]
