"""``palm serve --workers 2``: both processes answer on one port; SIGTERM lets a slow request
finish and every process exit 0."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from integrations.wechat.sim.server import create_simulator
from palm.settings import Settings
from tests.proof.procs import HOST, PalmServer, create_schema, palm_env, wait_port

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="several processes share sessions and jobs in Redis"
)

# Each live worker reports when it started, labelled with its pid (the scrape adds up the rest).
_WORKER = re.compile(rb'^palm_worker_started_time_seconds\{pid="(\d+)"\} ', re.M)
_HEALTHZ = re.compile(
    rb'^palm_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)$', re.M
)


_TOKEN = "proof-metrics-token"
_SCRAPER = {"Authorization": f"Bearer {_TOKEN}"}  # /metrics is not public


async def _processes_answering(url: str, want: int, seconds: float = 60.0) -> int:
    """How many live workers one scrape reports (waits for ``want`` of them to start; one
    may still be binding its port)."""
    seen: set[bytes] = set()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    async with aiohttp.ClientSession() as session:
        while len(seen) < want and loop.time() < deadline:
            async with session.get(url + "/metrics", headers=_SCRAPER) as resp:
                assert resp.status == 200
                seen = set(_WORKER.findall(await resp.read()))
            await asyncio.sleep(0.05)  # the second process may still be starting
    return len(seen)


async def _until_called(sim: aiohttp.ClientSession) -> None:
    """Return once the simulator has received the login's jscode2session call."""
    for _ in range(400):
        async with sim.get("/_sim/calls") as resp:
            if (await resp.json()).get("jscode2session"):
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the login never reached WeChat")


async def _serve_two(tmp_path: Path, simulator: TestServer, **extra: str) -> PalmServer:
    """``palm serve --workers 2`` on a SQLite file, logging in through ``simulator``."""
    database_url = f"sqlite://{tmp_path / 'serve.sqlite3'}"
    await asyncio.to_thread(create_schema, database_url)
    env = palm_env(
        DATABASE_URL=database_url,
        REDIS_URL=os.environ["REDIS_URL"],
        PALM_AUTO_MIGRATE="0",
        PALM_SEED_DEMO="0",
        PALM_DATA_DIR=str(tmp_path),
        PALM_WECHAT_URL=str(simulator.make_url("")).rstrip("/"),
        PALM_METRICS_TOKEN=_TOKEN,
        **extra,
    )
    return PalmServer(env, tmp_path / "serve.log", "--workers", "2")


@pytest.fixture
async def simulator() -> AsyncIterator[TestServer]:
    """WeChat, in this process, with the development app id and secret palm serve uses."""
    server = TestServer(create_simulator(Settings().wechat), host=HOST)
    await server.start_server()
    yield server
    await server.close()


async def test_two_workers_answer_and_finish_in_flight_requests(
    tmp_path: Path, simulator: TestServer
) -> None:
    server = await _serve_two(tmp_path, simulator)
    try:
        await asyncio.to_thread(server.wait_ready)
        assert await _processes_answering(server.url, 2) == 2

        # A login whose WeChat call takes 2 s is in flight when SIGTERM arrives.
        async with aiohttp.ClientSession(str(simulator.make_url(""))) as sim:
            await sim.post("/_sim/faults", json={"mode": "slow", "seconds": 2})
            async with aiohttp.ClientSession(server.url) as client:
                login = asyncio.create_task(
                    client.post("/api/v1/auth/login", json={"code": "demo-resident"})
                )
                await _until_called(sim)
                server.process.send_signal(signal.SIGTERM)
                resp = await asyncio.wait_for(login, 20)
                assert resp.status == 200, await resp.text()
                assert (await resp.json())["token"]
        exit_code = await asyncio.to_thread(server.process.wait, 30)
        assert exit_code == 0, server.output()
        wait_port(server.port, up=False, seconds=5)
    finally:
        server.stop()


def _workers(pid: int) -> list[int]:
    """The serving children of ``pid`` (not multiprocessing's resource tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    cmdlines = {int(c): Path(f"/proc/{c}/cmdline").read_bytes() for c in children}
    return [c for c, cmd in cmdlines.items() if b"spawn_main" in cmd]


async def test_a_worker_killed_by_a_signal_makes_serve_exit_non_zero(
    tmp_path: Path, simulator: TestServer
) -> None:
    server = await _serve_two(tmp_path, simulator)
    try:
        await asyncio.to_thread(server.wait_ready)
        assert await _processes_answering(server.url, 2) == 2
        victim = (await asyncio.to_thread(_workers, server.process.pid))[0]
        os.kill(victim, signal.SIGKILL)  # as the kernel's OOM killer would
        server.process.send_signal(signal.SIGTERM)
        exit_code = await asyncio.to_thread(server.process.wait, 30)
        assert exit_code == 128 + signal.SIGKILL, server.output()
    finally:
        server.stop()


def _healthz_by_worker(folder: Path) -> dict[str, float]:
    """What each worker's own file in the metrics folder counts of GET /healthz."""
    from prometheus_client.multiprocess import MultiProcessCollector

    found: dict[str, float] = {}
    for file in folder.glob("counter_*.db"):
        pid = file.stem.removeprefix("counter_")
        for metric in MultiProcessCollector.merge([str(file)], accumulate=True):
            for sample in metric.samples:
                if (
                    sample.name == "palm_http_requests_total"
                    and sample.labels["route"] == "/healthz"
                ):
                    found[pid] = found.get(pid, 0.0) + sample.value
    return found


async def test_one_scrape_adds_up_every_worker(tmp_path: Path, simulator: TestServer) -> None:
    """Requests spread over both workers (fresh connections); a scrape of either shows their
    sum, and the folder named by PROMETHEUS_MULTIPROC_DIR was emptied at start."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"stale")  # a previous run's: must not count
    server = await _serve_two(tmp_path, simulator, PROMETHEUS_MULTIPROC_DIR=str(folder))
    try:
        await asyncio.to_thread(server.wait_ready)
        assert await _processes_answering(server.url, 2) == 2
        sent = 0
        connector = aiohttp.TCPConnector(force_close=True)  # a new connection, so a new hash
        async with aiohttp.ClientSession(connector=connector) as session:
            deadline = asyncio.get_running_loop().time() + 60  # a worker may still be binding
            while asyncio.get_running_loop().time() < deadline and (
                sent < 20 or len(_healthz_by_worker(folder)) < 2
            ):
                async with session.get(server.url + "/healthz") as resp:
                    assert resp.status == 200
                sent += 1
            by_worker = _healthz_by_worker(folder)
            assert len(by_worker) == 2, by_worker  # both workers answered some
            assert all(count > 0 for count in by_worker.values())
            async with session.get(server.url + "/metrics", headers=_SCRAPER) as resp:
                body = await resp.read()
        assert [float(v) for v in _HEALTHZ.findall(body)] == [float(sent)]
        assert sum(by_worker.values()) == sent
        assert b"palm_jobs_queued " in body
        assert b"palm_jobs_dead " in body
        assert b"palm_outbox_oldest_due_age_seconds " in body
    finally:
        server.stop()
