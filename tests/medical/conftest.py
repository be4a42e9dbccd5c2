"""Helpers for the medical-record tests: family members' delegation ids, record listings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from palm.settings import Settings
from tests.helpers import bearer, login


class Reader:
    """A signed-in persona reading records over HTTP."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client, self.token = client, token

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)

    async def get(self, path: str, **params: Any) -> Any:
        query = {k: str(v) for k, v in params.items() if v is not None}
        return await self.client.get(path, params=query, headers=self.headers)

    async def records(self, **params: Any) -> dict[str, Any]:
        resp = await self.get("/api/v1/medical/records", **params)
        assert resp.status == 200, await resp.text()
        return await resp.json()  # type: ignore[no-any-return]

    async def record(self, record_id: str, member: str = "self") -> dict[str, Any]:
        resp = await self.get(f"/api/v1/medical/records/{record_id}", member=member)
        assert resp.status == 200, await resp.text()
        return await resp.json()  # type: ignore[no-any-return]

    async def me(self) -> str:
        """The resident id (hex), as cache owners name it."""
        resp = await self.client.get("/api/v1/me", headers=self.headers)
        return str((await resp.json())["id"]).replace("-", "")

    async def family(self) -> dict[str, str]:
        """Delegation ids of the people this persona acts for, by relation."""
        resp = await self.client.get("/api/v1/delegations", headers=self.headers)
        held = (await resp.json())["acting_for"]
        return {d["relation"]: d["id"] for d in held if d["status"] == "active"}


ReaderFactory = Callable[[str], Awaitable[Reader]]


@pytest.fixture
def reader(client: TestClient) -> ReaderFactory:
    async def _as(persona: str) -> Reader:
        return Reader(client, await login(client, persona))

    return _as


@pytest.fixture
def settings(base_settings: Settings, tmp_path: Path) -> Settings:
    """A data directory per test: an exported tree head must not outlive its test's database."""
    return base_settings.with_(data_dir=tmp_path)
