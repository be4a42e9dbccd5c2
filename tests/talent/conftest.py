"""Fixtures for the talent card: an issuer key for codes, personas signed in, a card issued."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from models.codes import IssuerKey, IssuerKeyStatus
from palm import keys
from services.codes import store
from tests.helpers import bearer, login


@pytest.fixture(autouse=True)
async def issuer_key(client: TestClient) -> None:
    """Codes need an active issuer key (``palm keys generate`` in a deployment)."""
    if not await IssuerKey.exists(status=IssuerKeyStatus.ACTIVE):
        await store.generate_key(client.app[keys.DEPS].cipher)


@pytest.fixture
async def talent(client: TestClient) -> dict[str, str]:
    return bearer(await login(client, "talent"))


@pytest.fixture
async def resident(client: TestClient) -> dict[str, str]:
    return bearer(await login(client, "resident"))


@pytest.fixture
async def officer(client: TestClient) -> dict[str, str]:
    return bearer(await login(client, "officer"))


@pytest.fixture
async def gatekeeper(client: TestClient) -> dict[str, str]:
    return bearer(await login(client, "gatekeeper"))


@pytest.fixture
async def silver_card(client: TestClient, talent: dict[str, str]) -> dict[str, Any]:
    """The talent persona's card, issued with no paper (class D: silver)."""
    resp = await client.post("/api/v1/talent/applications", json={}, headers=talent)
    assert resp.status == 201, await resp.text()
    card = await client.get("/api/v1/talent/card", headers=talent)
    assert card.status == 200, await card.text()
    return dict(await card.json())
