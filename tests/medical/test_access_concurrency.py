"""Appends for different patients never wait for each other; one patient's still queue.

The lock tests need PostgreSQL (row locks); the counts and chains are checked on both.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from models.medical.access_log import AccessAction, AccessLogEntry, AccessReason
from palm import keys
from palm.settings import Settings
from services.medical import accesslog, audit
from services.privacy import FieldCipher


def _read(patient: str) -> accesslog.Access:
    return accesslog.Access(
        patient, uuid.uuid4(), AccessAction.READ, AccessReason.SELF, record_ref="lab-1"
    )


def _patients(n: int) -> list[str]:
    return [f"{i:064x}" for i in range(1, n + 1)]


async def _append(cipher: FieldCipher, patient: str) -> AccessLogEntry:
    return await accesslog.append(cipher, _read(patient), now=datetime.now(UTC))


def _postgres(settings: Settings) -> str:
    if not settings.database_url.startswith(("postgres://", "postgresql://")):
        pytest.skip("row locks: PostgreSQL only")
    return settings.database_url


async def test_a_held_head_does_not_stop_other_patients(
    client: TestClient, settings: Settings
) -> None:
    url = _postgres(settings)
    cipher = client.app[keys.DEPS].cipher
    held, *others = _patients(50)
    await _append(cipher, held)
    conn = await asyncpg.connect(url)
    try:
        lock = conn.transaction()
        await lock.start()
        await conn.execute(
            "SELECT seq FROM medical_access_log_heads WHERE patient_key = $1 FOR UPDATE", held
        )
        waiting = asyncio.create_task(_append(cipher, held))
        # 49 other patients, their first entries and then a second each, while one head is held.
        for _ in range(2):
            done = await asyncio.wait_for(
                asyncio.gather(*(_append(cipher, p) for p in others)), timeout=30
            )
            assert len({(e.patient_key, e.seq) for e in done}) == 49
        await asyncio.sleep(0.2)
        assert not waiting.done(), "the held patient's append should still wait for the lock"
        await lock.rollback()
    finally:
        await conn.close()
    entry = await asyncio.wait_for(waiting, timeout=10)
    assert entry.seq == 2
    report = await audit.verify_all(cipher)
    assert (report.intact, report.patients, report.entries) == (True, 50, 100)


async def test_fifty_patients_at_once_each_get_a_clean_chain(client: TestClient) -> None:
    cipher = client.app[keys.DEPS].cipher
    patients = _patients(50)
    for _ in range(2):
        entries = await asyncio.gather(*(_append(cipher, p) for p in patients))
        assert len(entries) == 50
    seqs = (
        await AccessLogEntry.all().order_by("patient_key", "seq").values_list("patient_key", "seq")
    )
    assert seqs == [(p, s) for p in patients for s in (1, 2)]
    report = await audit.verify_all(cipher)
    assert (report.intact, report.patients, report.entries) == (True, 50, 100)


async def test_fifty_appends_for_one_patient_neither_fork_nor_skip(client: TestClient) -> None:
    cipher = client.app[keys.DEPS].cipher
    (patient,) = _patients(1)
    entries = await asyncio.gather(*(_append(cipher, patient) for _ in range(50)))
    assert sorted(e.seq for e in entries) == list(range(1, 51))
    report = await audit.verify_patient(cipher, patient)
    assert (report.intact, report.entries) == (True, 50)
    # Each entry links to the one before it: one chain, no fork.
    chain = await AccessLogEntry.filter(patient_key=patient).order_by("seq")
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(chain))
