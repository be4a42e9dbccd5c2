"""The palm command: the first operator is granted from the command line."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient

from models.identity.residents import Grant
from palm.cli import main
from palm.settings import Settings
from tests.helpers import bearer, login


def _env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("PALM_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    if settings.redis_url:
        monkeypatch.setenv("REDIS_URL", settings.redis_url)


async def _palm(*argv: str) -> int:
    try:
        await asyncio.to_thread(main, list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


async def test_grant_first_operator(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch, settings)
    token = await login(client, "resident")
    me = await (await client.get("/api/v1/me", headers=bearer(token))).json()
    code = await _palm(
        "grant", me["id"], "--role", "operator", "--organisation", "weihai-service-office",
        "--scopes", "grants",
    )  # fmt: skip
    assert code == 0
    grant = await Grant.get(resident_id=me["id"])
    assert grant.scopes == "grants"
    if settings.redis_url:  # the old session ended (sessions are shared through Redis)
        assert (await client.get("/api/v1/me", headers=bearer(token))).status == 401
    token = await login(client, "resident")
    assert (await client.get("/api/v1/admin/grants", headers=bearer(token))).status == 200


async def test_grant_refuses_bad_input(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch, settings)
    assert await _palm("grant", "not-a-uuid", "--role", "operator", "--organisation", "x") == 2
    unknown = "00000000-0000-0000-0000-000000000000"
    assert await _palm("grant", unknown, "--role", "operator", "--organisation", "x") == 1
