"""The platform slow or down: retries, a circuit breaker, a clear 503, cached data with its age."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient

from palm.settings import Settings
from services.medical.config import MedicalConfig
from tests.helpers import problem, sim
from tests.medical.conftest import ReaderFactory


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    # Always ask the platform (no fresh window), so an outage shows at once.
    config = MedicalConfig(fresh_seconds=0, breaker_failures=3, breaker_cooldown=30)
    return base_settings.with_(health=replace(base_settings.health, timeout=0.3), medical=config)


async def _outage(client: TestClient, **body: object) -> None:
    await sim(client, "health", "POST", "/_sim/outage", json=body)


async def _calls(client: TestClient) -> int:
    return sum((await sim(client, "health", "GET", "/_sim/calls")).values())  # type: ignore[no-any-return]


async def test_down_without_cache_is_a_clear_503(client: TestClient, reader: ReaderFactory) -> None:
    parent = await reader("parent")
    await _outage(client, status=503)
    resp = await parent.get("/api/v1/medical/records")
    body = await problem(resp, 503, "health_platform_unavailable")
    assert int(resp.headers["Retry-After"]) > 0
    assert "健康信息平台" in body["message_zh"]


async def test_cached_records_are_shown_with_their_age(
    client: TestClient, reader: ReaderFactory
) -> None:
    parent = await reader("parent")
    fresh = await parent.records(kind="lab")
    assert fresh["source"]["stale"] is False
    record = await parent.record(fresh["records"][0]["id"])
    await _outage(client, status=503)
    stale = await parent.records(kind="lab")
    assert stale["records"] == fresh["records"]
    assert stale["source"]["stale"] is True
    # The answer of before the outage, and how old it is.
    assert stale["source"]["as_of"] == fresh["source"]["as_of"]
    assert stale["source"]["age_seconds"] >= 0
    again = await parent.record(record["id"])
    assert again["results"] == record["results"]
    assert again["source"]["stale"] is True
    # A file is never cached: it needs the platform.
    await problem(await parent.get(record["document"]["url"]), 503, "health_platform_unavailable")


async def test_the_breaker_stops_calling_a_failing_platform(
    client: TestClient, reader: ReaderFactory
) -> None:
    parent = await reader("parent")
    await _outage(client, status=503)
    for _ in range(3):
        await problem(
            await parent.get("/api/v1/medical/hospitals"), 503, "health_platform_unavailable"
        )
    before = await _calls(client)
    started = time.monotonic()
    resp = await parent.get("/api/v1/medical/hospitals")
    await problem(resp, 503, "health_platform_unavailable")
    assert await _calls(client) == before  # the platform was left alone
    assert time.monotonic() - started < 0.2
    assert 0 < int(resp.headers["Retry-After"]) <= 30


async def test_a_passing_failure_is_retried_unseen(
    client: TestClient, reader: ReaderFactory
) -> None:
    parent = await reader("parent")
    await _outage(client, status=502, calls=1)
    resp = await parent.get("/api/v1/medical/hospitals")
    assert resp.status == 200, await resp.text()


async def test_a_slow_platform_times_out(client: TestClient, reader: ReaderFactory) -> None:
    parent = await reader("parent")
    await _outage(client, status=None, delay=1)
    started = time.monotonic()
    resp = await parent.get("/api/v1/medical/hospitals")
    await problem(resp, 503, "health_platform_unavailable")
    assert time.monotonic() - started < 1.5
