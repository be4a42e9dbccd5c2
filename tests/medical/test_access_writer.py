"""Record reads' log entries written together: each committed before its read returns, chains
intact, fewer transactions than entries, and a batch that fails writes nothing of it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient

from models.medical.access_log import AccessAction, AccessLogEntry, AccessLogHead, AccessReason
from palm import keys
from services.medical import accesslog, audit
from services.medical.access_writer import AccessWriter
from services.privacy import FieldCipher
from tests.medical.conftest import ReaderFactory


def _read(patient: str) -> accesslog.Access:
    return accesslog.Access(
        patient, uuid.uuid4(), AccessAction.READ, AccessReason.SELF, record_ref="lab-1"
    )


def _patients(n: int) -> list[str]:
    return [f"{i:064x}" for i in range(1, n + 1)]


async def _intact(cipher: FieldCipher, patient: str, entries: int) -> None:
    report = await audit.verify_patient(cipher, patient)
    assert (report.intact, report.entries) == (True, entries), report


async def test_concurrent_list_reads_of_one_patient_share_transactions(
    client: TestClient, reader: ReaderFactory
) -> None:
    resident = await reader("resident")
    await resident.records()  # fills the cache: the reads below are the cached path
    writer: AccessWriter = client.app[keys.DEPS].access_log
    before_tx, before_entries = writer.transactions, writer.entries
    pages = await asyncio.gather(*(resident.records() for _ in range(24)))
    assert all(page["records"] for page in pages)
    assert writer.entries - before_entries == 24
    assert writer.transactions - before_tx < 24  # grouped: the point of the writer
    (key,) = set(await AccessLogEntry.all().values_list("patient_key", flat=True))
    await _intact(writer._cipher, str(key), 25)
    seqs = sorted(await AccessLogEntry.filter(patient_key=key).values_list("seq", flat=True))
    assert seqs == list(range(1, 26))  # no gap, no fork


async def test_a_batch_mixes_patients_and_keeps_each_chain(client: TestClient) -> None:
    cipher = client.app[keys.DEPS].cipher
    writer = AccessWriter(cipher)
    patients = _patients(12)
    now = datetime.now(UTC)
    # Three rounds of one append per patient, all at once: first entries (new heads) and later
    # ones in the same batches.
    await asyncio.gather(*(writer.append(_read(p), now=now) for p in patients * 3))
    assert writer.entries == 36
    assert writer.transactions < 36
    for patient in patients:
        await _intact(cipher, patient, 3)
    heads = {h.patient_key: h.seq for h in await AccessLogHead.filter(patient_key__in=patients)}
    assert heads == dict.fromkeys(patients, 3)


async def test_grouped_and_single_appends_share_a_chain(client: TestClient) -> None:
    """The consent path still appends inside its own transaction, onto the same chain."""
    cipher = client.app[keys.DEPS].cipher
    writer = AccessWriter(cipher)
    (patient,) = _patients(1)
    now = datetime.now(UTC)
    await asyncio.gather(
        *(writer.append(_read(patient), now=now) for _ in range(5)),
        *(accesslog.append(cipher, _read(patient), now=now) for _ in range(5)),
    )
    await _intact(cipher, patient, 10)


async def test_a_failed_batch_fails_each_caller_and_writes_none_of_it(
    client: TestClient,
) -> None:
    cipher = client.app[keys.DEPS].cipher
    writer = AccessWriter(cipher)
    good, other = _patients(2)
    await writer.append(_read(good), now=datetime.now(UTC))  # the chain exists beforehand
    now = datetime.now(UTC)
    # Queued together behind one held lock, so they form one batch: one entry cannot be stored
    # (no actor), so none of the batch is.
    assert writer._lock is not None
    async with writer._lock:
        calls = [
            asyncio.create_task(writer.append(_read(good), now=now)),
            asyncio.create_task(writer.append(_read(other), now=now)),
            asyncio.create_task(writer.append(_without_actor(other), now=now)),
        ]
        await asyncio.sleep(0.05)
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(r, Exception) for r in results), results
    assert await AccessLogEntry.filter(patient_key=good).count() == 1
    assert await AccessLogEntry.filter(patient_key=other).count() == 0
    await _intact(cipher, good, 1)
    # And the writer goes on: the next append lands as entry 2.
    await writer.append(_read(good), now=datetime.now(UTC))
    await _intact(cipher, good, 2)


def _without_actor(patient: str) -> accesslog.Access:
    """An entry the database refuses (its actor is NOT NULL)."""
    return accesslog.Access(patient, None, AccessAction.READ, AccessReason.SELF)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _quiet_retries(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="palm.medical.access")
