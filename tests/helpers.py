"""Shared test helpers (a pytest plugin): sign a persona in, read a problem document."""

from __future__ import annotations

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
