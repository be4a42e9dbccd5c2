"""Storage faults while requests run: Redis and PostgreSQL stopped and restarted. The service
answers 503 problems with Retry-After (never a 500, never a hang), recovers by itself, and
keeps every write it confirmed.

Redis and PostgreSQL here are throwaway servers on free ports (tests/proof/procs.py), so
killing them touches nothing else; the tests skip when their binaries are missing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from taskiq.exceptions import SendTaskError
from tortoise.transactions import in_transaction

from integrations.simworld import openid_for
from integrations.wechat.sim.server import create_simulator
from models.identity.residents import Resident
from models.notifications import Notification
from palm import keys
from palm.settings import Settings
from services import notifications
from tests.helpers import bearer, login, problem
from tests.proof import procs
from tests.proof.faults import VALUES, answered, hammering, redis_server, settings, until

__all__ = ["redis_server", "settings"]  # fixtures, shared with the platform fault tests


async def test_redis_outage_answers_503_and_recovers(
    client: TestClient, redis_server: procs.RedisServer
) -> None:
    headers = bearer(await login(client, "resident"))
    statuses: list[int] = []
    try:
        async with hammering(lambda _: client.get("/api/v1/me", headers=headers), statuses):
            await asyncio.to_thread(redis_server.kill)
            await asyncio.sleep(1.0)
        assert statuses[0] == 200
        assert statuses[-1] == 503
        body = await problem(await answered(client.get("/api/v1/me", headers=headers)), 503,
                             "service_unavailable")  # fmt: skip
        assert "cache" in body["message_en"]
        assert (await answered(client.get("/readyz"))).status == 503
        await answered(client.post("/api/v1/auth/login", json={"code": "demo-elder"}))
    finally:
        await asyncio.to_thread(redis_server.start)

    async def me_again() -> bool:
        return (await answered(client.get("/api/v1/me", headers=headers))).status == 200

    await until(me_again)  # the same session: Redis kept it on disk
    assert (await client.get("/readyz")).status == 200
    # The job receiver reconnected by itself: a queued notification is sent without help.
    elder = await Resident.get(
        openid=openid_for(client.app[keys.PLATFORMS]["wechat"].app_id, "elder")
    )
    async with in_transaction():
        await notifications.notify(elder.id, "application_decided", VALUES, key="proof-redis-1")

    async def sent() -> bool:
        # What the scheduler does every minute. Its first try may meet a connection the
        # queue's pool kept from before the outage; the next one reconnects.
        with contextlib.suppress(SendTaskError):
            await client.app[keys.JOBS].sweep()
        return (await Notification.get(key="proof-redis-1")).status == "sent"

    await until(sent)


async def test_liveness_does_not_depend_on_redis(
    client: TestClient, redis_server: procs.RedisServer
) -> None:
    await asyncio.to_thread(redis_server.kill)
    try:
        assert (await answered(client.get("/healthz"))).status == 200
    finally:
        await asyncio.to_thread(redis_server.start)


@pytest.fixture
async def wechat_sim() -> AsyncIterator[TestServer]:
    """A WeChat simulator in this process, for an app in a child process to log in through."""
    server = TestServer(create_simulator(Settings().wechat), host=procs.HOST)
    await server.start_server()
    yield server
    await server.close()


async def test_postgres_outage_answers_503_recovers_and_keeps_confirmed_writes(
    wechat_sim: TestServer, tmp_path: Path
) -> None:
    # palm serve runs in a child process: this one's Tortoise may be bound to SQLite.
    with procs.postgres() as cluster:
        await asyncio.to_thread(procs.create_schema, cluster.url)
        env = procs.palm_env(
            DATABASE_URL=cluster.url,
            PALM_AUTO_MIGRATE="0",
            PALM_SEED_DEMO="0",
            PALM_DATA_DIR=str(tmp_path),
            PALM_WECHAT_URL=str(wechat_sim.make_url("")).rstrip("/"),
            PALM_RATE_LOGIN="1000000/60",
            PALM_RATE_IP="1000000/60",
        )
        server = procs.PalmServer(env, tmp_path / "serve.log")
        try:
            await asyncio.to_thread(server.wait_ready)
            async with (
                aiohttp.ClientSession(server.url) as app,
                aiohttp.ClientSession(str(wechat_sim.make_url(""))) as sim,
            ):
                await _outage_and_recovery(app, sim, cluster)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- palm serve said:\n{server.output()[-6000:]}") from exc
        finally:
            server.stop()


async def _outage_and_recovery(
    app: aiohttp.ClientSession, sim: aiohttp.ClientSession, cluster: procs.PostgresCluster
) -> None:
    resp = await app.post("/api/v1/auth/login", json={"code": "demo-resident"})
    headers = bearer((await resp.json())["token"])
    statuses: list[int] = []
    confirmed: list[str] = []

    async def new_user(n: int) -> ClientResponse:
        openid = f"o-fault-{n:04d}"
        async with sim.post("/_sim/codes", json={"openid": openid}) as minted:
            code = (await minted.json())["code"]
        resp = await app.post("/api/v1/auth/login", json={"code": code})
        if resp.status == 200:
            confirmed.append(openid)
        return resp

    try:
        async with hammering(new_user, statuses):
            await asyncio.to_thread(cluster.stop)
            await asyncio.sleep(1.0)
        assert statuses[0] == 200
        assert statuses[-1] == 503
        await problem(await answered(app.get("/api/v1/me", headers=headers)), 503,
                      "service_unavailable")  # fmt: skip
        await problem(await answered(app.get("/readyz")), 503, "not_ready")
    finally:
        await asyncio.to_thread(cluster.start)

    async def me_again() -> bool:
        return (await answered(app.get("/api/v1/me", headers=headers))).status == 200

    await until(me_again)
    db = await asyncpg.connect(cluster.url)
    try:
        rows = await db.fetch("SELECT openid FROM residents WHERE openid LIKE 'o-fault-%'")
    finally:
        await db.close()
    assert confirmed
    assert set(confirmed) <= {row["openid"] for row in rows}, "a confirmed login was lost"
