"""Shared test helpers (a pytest plugin): sign a persona in, read a problem document."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient


async def login(client: TestClient, persona: str) -> str:
    """Sign a demo persona in through the WeChat simulator and return its bearer token."""
    resp = await client.post("/api/v1/auth/login", json={"code": f"demo-{persona}"})
    assert resp.status == 200, await resp.text()
    return str((await resp.json())["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def problem(resp: ClientResponse, status: int, code: str) -> dict[str, Any]:
    """Assert ``resp`` is a problem document with this status and code; return its body."""
    text = await resp.text()
    assert resp.status == status, text
    assert resp.content_type == "application/problem+json", text
    body: dict[str, Any] = await resp.json(content_type=None)
    assert body["code"] == code, body
    assert body["status"] == status
    for field in ("type", "title", "detail", "message_zh", "message_en", "request_id"):
        assert isinstance(body[field], str), field
        assert body[field], field
    assert "Traceback" not in text
    return body


@pytest.fixture
def as_persona(client: TestClient):  # type: ignore[no-untyped-def]
    async def _as(persona: str) -> dict[str, str]:
        return bearer(await login(client, persona))

    return _as


async def sim(client: TestClient, platform: str, method: str, path: str, **kwargs: Any) -> Any:
    """Call a simulator's control endpoint (``/_sim/...``) over HTTP; return its JSON."""
    from palm import keys

    base = client.app[keys.PLATFORMS][platform].base_url
    async with client.app[keys.HTTP].request(method, base + path, **kwargs) as resp:
        assert resp.status < 300, await resp.text()
        return await resp.json(content_type=None)


def make_id_number(birth: str, seq: int, area: str = "371002") -> str:
    """A valid GB 11643 number: area, birth date (yyyymmdd), sequence (odd male), check digit."""
    from services.identity.idnumbers import check_digit

    first17 = f"{area}{birth}{seq:03d}"
    return first17 + check_digit(first17)


async def new_wechat_user(client: TestClient, openid: str) -> str:
    """Log a brand-new WeChat user in (a minted one-time code) and return their token."""
    minted = await sim(client, "wechat", "POST", "/_sim/codes", json={"openid": openid})
    resp = await client.post("/api/v1/auth/login", json={"code": minted["code"]})
    assert resp.status == 200, await resp.text()
    return str((await resp.json())["token"])


async def run_jobs(client: TestClient, within: float = 10.0) -> None:
    """Run every due outbox message to completion (as the worker would), then return."""
    import asyncio
    from datetime import UTC, datetime

    from models.jobs import OutboxMessage
    from palm import keys
    from services import jobs

    queue = client.app[keys.JOBS]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        for message_id in await jobs.due():
            await queue.process(message_id)
        busy = await OutboxMessage.filter(
            done_at__isnull=True, dead_at__isnull=True, available_at__lte=datetime.now(UTC)
        ).exists()
        if not busy:
            return
        await asyncio.sleep(0.02)  # a message claimed by the in-process worker is finishing
    raise AssertionError("background jobs did not finish in time")


@contextlib.asynccontextmanager
async def scratch_postgres(label: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database beside DATABASE_URL's, dropped afterwards.

    Skips the calling test when DATABASE_URL is not PostgreSQL.
    """
    import os
    import uuid

    from tortoise.context import TortoiseContext

    from palm import storage
    from palm.settings import Settings

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("DATABASE_URL is not PostgreSQL")
    base, _, name = url.rpartition("/")
    scratch = f"{name}_{label}_{uuid.uuid4().hex[:8]}"
    async with TortoiseContext() as ctx:
        await ctx.init(config=storage.tortoise_config(Settings(database_url=url)))
        admin = ctx.connections.get("default")
        await admin.execute_script(f'CREATE DATABASE "{scratch}"')
        try:
            yield f"{base}/{scratch}"
        finally:
            await admin.execute_script(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            await ctx.close_connections()
