"""One resident cannot take medical reads down for everyone (issue 20).

Extreme dates are refused at the edge; the platform refusing a search is the caller's 400;
an HTTP 500 counts against the breaker once per caller, so only failures met by different
callers open it; a consent code is spent only by a read that worked.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient

from integrations.health.client import HealthError, Query
from integrations.simworld import PEOPLE
from models.identity.residents import Resident
from palm import keys
from palm.settings import Settings
from services.errors import InvalidInput
from services.medical import records
from services.medical.config import MedicalConfig
from services.medical.gateway import Env
from tests.helpers import bearer, login, problem, sim
from tests.medical.conftest import ReaderFactory
from tests.medical.test_recognition import SCAN, _consent_for_child

FAILURES = 3
EXTREME = {"from": "0001-01-01", "to": "9999-12-31"}


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    # Always ask the platform (no fresh window), so every request reaches it.
    config = MedicalConfig(fresh_seconds=0, breaker_failures=FAILURES, breaker_cooldown=30)
    return base_settings.with_(health=replace(base_settings.health, timeout=0.3), medical=config)


async def _outage(client: TestClient, **body: object) -> None:
    await sim(client, "health", "POST", "/_sim/outage", json=body)


async def _calls(client: TestClient) -> int:
    return sum((await sim(client, "health", "GET", "/_sim/calls")).values())  # type: ignore[no-any-return]


async def test_extreme_dates_leave_everyone_else_reading(reader: ReaderFactory) -> None:
    attacker, neighbour = await reader("resident"), await reader("parent")
    for _ in range(FAILURES + 2):
        resp = await attacker.get("/api/v1/medical/records", **EXTREME)
        await problem(resp, 422, "validation_failed")
    body = await problem(
        await attacker.get("/api/v1/medical/records", **{"from": "2024-05-02", "to": "2024-05-01"}),
        422,
        "validation_failed",
    )
    assert body["errors"][0]["path"] == "query/from"
    assert (await neighbour.records())["records"]
    assert (await attacker.records(**{"from": "2000-01-01", "to": "2099-12-31"}))["records"]


async def test_the_platform_refuses_bad_dates_without_failing(client: TestClient) -> None:
    health = client.app[keys.DEPS].health
    pid = await health.find_patient("id_card", PEOPLE["elder"].id_number)
    assert pid is not None
    with pytest.raises(HealthError) as refused:  # 400 OperationOutcome, not 500
        await health.records(pid, None, Query(date(1, 1, 1), date(9999, 12, 31)))
    assert (refused.value.code, refused.value.issue) == (400, "invalid")
    # Also what our client never sends: a day with no day after it, a year-1 moment in a zone.
    for value in ("eq9999-12-31", "ge0001-01-01T00:00:00+23:59", "lt9999-12-31T23:59:59"):
        with pytest.raises(HealthError) as refused:
            await health.page(f"/DiagnosticReport?patient={pid}&date={quote(value)}")
        assert refused.value.code == 400


async def test_a_refused_search_is_the_callers_400_and_not_an_outage(
    client: TestClient, reader: ReaderFactory
) -> None:
    elder = await Resident.get(id=uuid.UUID(await (await reader("elder")).me()))
    env = Env.from_deps(client.app[keys.DEPS], datetime.now(UTC), caller=elder.id.hex)
    # Past the edge (as a future caller of the service might be): the platform says 400.
    for _ in range(FAILURES + 2):
        with pytest.raises(InvalidInput) as caught:
            await records.list_records(
                env, elder, "self", None, Query(date(1, 1, 1), date(9999, 12, 31)), None
            )
        assert caught.value.code == "records_query_rejected"
    assert (await (await reader("parent")).records())["records"]


async def test_one_callers_500s_do_not_open_the_breaker(
    client: TestClient, reader: ReaderFactory
) -> None:
    attacker, neighbour = await reader("resident"), await reader("parent")
    await _outage(client, status=500)
    for _ in range(FAILURES + 1):
        await problem(
            await attacker.get("/api/v1/medical/hospitals"), 503, "health_platform_unavailable"
        )
    await sim(client, "health", "DELETE", "/_sim/outage")  # what made the platform fail is gone
    resp = await neighbour.get("/api/v1/medical/hospitals")
    assert resp.status == 200, await resp.text()


async def test_500s_met_by_different_callers_open_it(
    client: TestClient, reader: ReaderFactory
) -> None:
    await _outage(client, status=500)
    for persona in ("resident", "parent", "elder"):
        resp = await (await reader(persona)).get("/api/v1/medical/hospitals")
        await problem(resp, 503, "health_platform_unavailable")
    before, started = await _calls(client), time.monotonic()
    resp = await (await reader("foreigner")).get("/api/v1/medical/hospitals")
    await problem(resp, 503, "health_platform_unavailable")
    assert await _calls(client) == before  # the platform was left alone
    assert time.monotonic() - started < 0.2


async def test_a_scan_that_failed_leaves_the_code_usable(
    client: TestClient, reader: ReaderFactory
) -> None:
    made = await _consent_for_child(await reader("parent"), ["lab"])
    doctor = bearer(await login(client, "doctor"))
    await _outage(client, status=503)
    resp = await client.post(SCAN, json={"code": made["code"]}, headers=doctor)
    await problem(resp, 503, "health_platform_unavailable")
    await sim(client, "health", "DELETE", "/_sim/outage")
    resp = await client.post(SCAN, json={"code": made["code"]}, headers=doctor)
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["reports"]
