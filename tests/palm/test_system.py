"""Health, readiness, metrics and the protective headers on every response."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from palm import keys
from palm.settings import Settings


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.with_(metrics_port=0)  # metrics on a free loopback port


async def test_healthz_and_readyz(client: TestClient) -> None:
    assert (await client.get("/healthz")).status == 200
    resp = await client.get("/readyz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "database": "ok", "cache": "ok"}


async def _metrics(client: TestClient) -> str:
    async with client.app[keys.HTTP].get(client.app[keys.METRICS_URL]) as resp:
        assert resp.status == 200
        return await resp.text()


async def test_metrics_count_requests_by_route(client: TestClient) -> None:
    await client.get("/healthz")
    await client.get("/nowhere")
    text = await _metrics(client)
    assert 'palm_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'route="unmatched",status="404"' in text
    assert "palm_http_request_duration_seconds_bucket" in text


async def test_outbound_calls_are_counted(client: TestClient) -> None:
    await client.post("/api/v1/auth/login", json={"code": "demo-resident"})
    text = await _metrics(client)
    labels = 'operation="jscode2session",outcome="ok",platform="wechat"'
    assert f"palm_outbound_requests_total{{{labels}}}" in text


async def test_security_headers_everywhere(client: TestClient) -> None:
    for path in ("/healthz", "/nowhere", "/openapi.json"):
        resp = await client.get(path)
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["Cache-Control"] == "no-store"
        assert resp.headers["X-Request-ID"]
