"""The health platform adapter and simulator: FHIR R4 that validates, signing, paging, outages."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from integrations.base import Platform, PlatformUnavailable
from integrations.health.client import HealthClient, HealthError, Query
from integrations.health.fhir import BASE_PATH, FHIR_JSON
from integrations.health.sim.data import HISTORY, HOSPITALS
from integrations.health.sim.server import create_simulator
from integrations.signing import signed_headers
from integrations.simworld import PEOPLE
from tests.integrations.conftest import RecordingObserver, Serve, Sim

HEALTH = Platform("health", "embedded", "palm-test", "health-test-secret", timeout=1.0)


@pytest.fixture
async def sim(serve: Serve) -> Sim:
    return await serve(create_simulator(HEALTH), HEALTH)


@pytest.fixture
def health(sim: Sim, observer: RecordingObserver) -> HealthClient:
    return HealthClient(sim.session, sim.platform, observer)


async def _raw(sim: Sim, path: str, *, signed: bool = True, accept: str = FHIR_JSON) -> Any:
    """A GET as the platform sees it, with the answer's status and decoded JSON."""
    headers = {"Accept": accept}
    if signed:
        headers |= signed_headers(sim.platform, "GET", BASE_PATH + path, b"")
    async with sim.session.get(sim.url(BASE_PATH + path), headers=headers) as resp:
        return resp.status, resp.content_type, await resp.read()


def _validate_every_resource(bundle: dict[str, Any]) -> int:
    """Validate the bundle and each entry as its own resource type; the number of entries."""
    Bundle.model_validate(bundle)
    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return len(bundle.get("entry", []))


@pytest.mark.parametrize("key", sorted(HISTORY))
async def test_every_persona_record_validates_with_fhir_resources(
    sim: Sim, health: HealthClient, key: str
) -> None:
    person = PEOPLE[key]
    pid = await health.find_patient(person.id_type, person.id_number)
    assert pid is not None
    status, content_type, raw = await _raw(
        sim, f"?_type=Encounter,DiagnosticReport&patient={pid}&_count=100"
    )
    assert (status, content_type) == (200, FHIR_JSON)
    everything = json.loads(raw)
    visits = len(HISTORY[key])
    reports = sum(len(v.reports) for v in HISTORY[key])
    assert _validate_every_resource(everything) == everything["total"] == visits + reports
    for entry in everything["entry"]:
        resource = entry["resource"]
        bundle = await health.record(pid, resource["resourceType"], resource["id"])
        data = json.loads(bundle.model_dump_json())
        assert _validate_every_resource(data) >= 1
        if resource["resourceType"] == "DiagnosticReport":
            kinds = {e["resource"]["resourceType"] for e in data["entry"]}
            assert kinds == {"DiagnosticReport", "Observation", "DocumentReference"}


async def test_records_are_in_chinese_across_hospitals(health: HealthClient) -> None:
    seen = set()
    for key in HISTORY:
        person = PEOPLE[key]
        pid = await health.find_patient(person.id_type, person.id_number)
        page = await health.records(str(pid), "visit", Query(count=100))
        for entry in page.bundle.entry or []:
            seen.add(str(entry.resource.serviceProvider.reference))  # type: ignore[union-attr]
    assert len(seen) >= 3
    hospitals = await health.hospitals()
    assert {e.resource.name for e in hospitals.entry or []} == {  # type: ignore[union-attr]
        name for name, _ in HOSPITALS.values()
    }


async def test_patient_search_finds_only_by_exact_identifier(health: HealthClient) -> None:
    foreigner = PEOPLE["foreigner"]
    assert await health.find_patient("permanent_residence", foreigner.id_number)
    assert await health.find_patient("id_card", foreigner.id_number) is None
    assert await health.find_patient("id_card", "371002199001011234") is None


async def test_searches_are_paged_with_next_links(health: HealthClient) -> None:
    elder = PEOPLE["elder"]
    pid = str(await health.find_patient("id_card", elder.id_number))
    page = await health.records(pid, "lab", Query(count=5))
    ids, pages = [], 1
    while True:
        ids += [e.resource.id for e in page.bundle.entry or []]  # type: ignore[union-attr]
        if page.next is None:
            break
        assert page.next.startswith("/DiagnosticReport?")
        page, pages = await health.page(page.next), pages + 1
    assert len(ids) == len(set(ids)) == page.bundle.total
    assert pages == -(-len(ids) // 5) > 1


async def test_date_and_hospital_filters(health: HealthClient) -> None:
    child = PEOPLE["parent_child"]
    pid = str(await health.find_patient("id_card", child.id_number))
    everything = await health.records(pid, None, Query(count=100))
    recent = list(everything.bundle.entry or [])
    since = (datetime.now(UTC) - timedelta(days=10)).date()
    last_week = await health.records(pid, None, Query(since=since, count=100))
    assert 0 < (last_week.bundle.total or 0) < len(recent)
    elsewhere = await health.records(pid, "visit", Query(hospital="weihai-central-hospital"))
    assert elsewhere.bundle.total == 0


async def test_unsigned_and_badly_signed_requests_get_an_operation_outcome(sim: Sim) -> None:
    status, _, raw = await _raw(sim, "/Organization?type=prov", signed=False)
    assert status == 401
    outcome = OperationOutcome.model_validate_json(raw)
    assert outcome.issue[0].code == "security"
    wrong = replace(sim.platform, secret="not-the-secret")
    client = HealthClient(sim.session, wrong)
    with pytest.raises(HealthError) as caught:
        await client.hospitals()
    assert (caught.value.code, caught.value.issue) == (401, "security")


async def test_clinical_searches_must_name_a_patient(sim: Sim) -> None:
    status, _, raw = await _raw(sim, "/DiagnosticReport?category=LAB")
    assert status == 400
    assert OperationOutcome.model_validate_json(raw).issue[0].code == "invalid"
    status, _, _ = await _raw(sim, "/DiagnosticReport?patient=x&bogus=1")
    assert status == 400


async def test_report_files_are_small_valid_pdfs(sim: Sim, health: HealthClient) -> None:
    child = PEOPLE["parent_child"]
    pid = str(await health.find_patient("id_card", child.id_number))
    page = await health.records(pid, "imaging", Query())
    report = page.bundle.entry[0].resource  # type: ignore[index]
    bundle = await health.record(pid, "DiagnosticReport", str(report.id))  # type: ignore[union-attr]
    doc = next(
        e.resource
        for e in bundle.entry or []
        if e.resource.__class__.__name__ == "DocumentReference"
    )
    url = str(doc.content[0].attachment.url)  # type: ignore[union-attr]
    async with health.binary(url) as stream:
        data = b"".join([chunk async for chunk in stream.chunks])
    assert stream.content_type == "application/pdf"
    assert data.startswith(b"%PDF-1.7")
    assert data.rstrip().endswith(b"%%EOF")
    assert len(data) == doc.content[0].attachment.size < 4096  # type: ignore[union-attr]
    xref = int(data.rsplit(b"startxref", 1)[1].split()[0])
    assert data[xref:].startswith(b"xref")
    status, content_type, raw = await _raw(sim, "/" + url)
    assert (status, content_type) == (200, FHIR_JSON)
    assert json.loads(raw)["resourceType"] == "Binary"


async def test_a_failed_read_is_retried(sim: Sim, health: HealthClient) -> None:
    await sim.control("/_sim/outage", {"status": 503, "calls": 1})
    await health.hospitals()
    assert (await sim.calls())["organization.search"] == 2


async def test_a_platform_that_stays_down_is_unavailable(
    sim: Sim, health: HealthClient, observer: RecordingObserver
) -> None:
    await sim.control("/_sim/outage", {"status": 503})
    with pytest.raises(PlatformUnavailable):
        await health.hospitals()
    assert (await sim.calls())["organization.search"] == HealthClient.attempts
    assert observer.records[-1] == ("health", "organization.search", "unavailable")


async def test_a_slow_platform_times_out_within_the_deadline(
    sim: Sim, health: HealthClient
) -> None:
    await sim.control("/_sim/outage", {"status": None, "delay": 5})
    started = time.monotonic()
    with pytest.raises(PlatformUnavailable):
        await health.hospitals()
    assert time.monotonic() - started < 2 * HEALTH.timeout + 0.5


async def test_next_links_outside_the_platform_are_refused(sim: Sim, health: HealthClient) -> None:
    bad = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "link": [{"relation": "next", "url": "http://evil.example/fhir/r4/Encounter"}],
        }
    )
    with pytest.raises(PlatformUnavailable):
        health._next(bad)
