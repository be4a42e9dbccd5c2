"""/metrics is not public: a listener of its own (PALM_METRICS_PORT) or a bearer token."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from palm import keys
from palm.settings import Settings
from tests.helpers import problem

TOKEN = "scrape-me-0123456789"


@pytest.fixture
def settings(base_settings: Settings, request: pytest.FixtureRequest) -> Settings:
    return base_settings.with_(**getattr(request, "param", {}))


async def test_not_found_on_the_api_port_by_default(client: TestClient) -> None:
    await problem(await client.get("/metrics"), 404, "not_found")
    assert keys.METRICS_URL not in client.app  # and no listener of its own either


@pytest.mark.parametrize("settings", [{"metrics_token": TOKEN}], indirect=True)
async def test_the_api_port_answers_only_the_token(client: TestClient) -> None:
    await problem(await client.get("/metrics"), 401, "metrics_token_required")
    wrong = {"Authorization": "Bearer " + TOKEN[:-1] + "x"}
    await problem(await client.get("/metrics", headers=wrong), 401, "metrics_token_required")
    resp = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status == 200
    assert "palm_http_requests_total" in await resp.text()


@pytest.mark.parametrize("settings", [{"metrics_port": 0}], indirect=True)
async def test_a_port_of_its_own_on_loopback(client: TestClient) -> None:
    url = client.app[keys.METRICS_URL]
    assert url.startswith("http://127.0.0.1:")
    assert url.endswith("/metrics")
    assert str(client.port) not in url.rsplit(":", 1)[1]
    await problem(await client.get("/metrics"), 404, "not_found")  # still not on the API port
    async with client.app[keys.HTTP].get(url) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")


def test_the_settings_read_the_environment() -> None:
    dev = {"PALM_ENV": "development"}
    assert Settings.from_env(dev).metrics_port is None
    assert Settings.from_env(dev).metrics_token is None
    chosen = Settings.from_env({**dev, "PALM_METRICS_PORT": "9464", "PALM_METRICS_TOKEN": "t"})
    assert (chosen.metrics_port, chosen.metrics_host, chosen.metrics_token) == (
        9464,
        "127.0.0.1",
        "t",
    )


# No scheduler: its minute's sweep would run the due message meanwhile.
@pytest.mark.parametrize(
    "settings", [{"metrics_token": TOKEN, "run_scheduler": False}], indirect=True
)
async def test_the_job_queue_figures_come_from_the_outbox(client: TestClient) -> None:
    from datetime import UTC, datetime, timedelta

    from models.jobs import OutboxMessage

    now = datetime.now(UTC)
    payload = {"topic": "t", "value": "v"}
    await OutboxMessage.create(topic="localcopy.announce", key="m-dead", payload=payload,
                               available_at=now, dead_at=now)  # fmt: skip
    await OutboxMessage.create(topic="localcopy.announce", key="m-late", payload=payload,
                               available_at=now - timedelta(seconds=120))  # fmt: skip
    await OutboxMessage.create(topic="localcopy.announce", key="m-later", payload=payload,
                               available_at=now + timedelta(hours=1))  # fmt: skip
    resp = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    lines = dict(
        line.rsplit(" ", 1) for line in (await resp.text()).splitlines() if line[:1] != "#"
    )
    assert float(lines["palm_jobs_dead"]) == 1
    assert float(lines["palm_jobs_queued"]) == 2
    assert 119 <= float(lines["palm_outbox_oldest_due_age_seconds"]) < 600
    assert "palm_worker_started_time_seconds" in lines
