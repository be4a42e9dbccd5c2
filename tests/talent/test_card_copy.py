"""The card behind a live code, kept by each process until any of the holder's cards changes."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from palm import keys
from services.errors import DomainError
from services.localcopy import Changes
from services.talent import view
from tests.talent.support import card_code

CARD = "/api/v1/talent/card"


async def _until(check: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not in time")


async def test_a_lost_card_stops_its_codes_in_every_process(
    client: TestClient, talent: dict[str, str], silver_card: dict[str, Any]
) -> None:
    deps = client.app[keys.DEPS]
    if not deps.changes.live:
        await _until(lambda: deps.changes.live)
    me = await (await client.get("/api/v1/me", headers=talent)).json()
    resident_id = uuid.UUID(me["id"])
    await card_code(client, talent)
    await card_code(client, talent)
    assert deps.changes.copy("talent-cards").hits >= 1  # the second code read no card

    other = Changes(deps.redis)  # a second process's copies, over the same Redis
    listening = asyncio.create_task(other.listen())
    try:
        await _until(lambda: other.live)
        card, _ = await view.card_code(resident_id, None, deps.codes, datetime.now(UTC), other)
        assert str(card.id) == silver_card["id"]
        await view.card_code(resident_id, None, deps.codes, datetime.now(UTC), other)
        assert other.copy("talent-cards").hits == 1  # kept there too
        heard = other.heard
        resp = await client.post(f"{CARD}/report-lost", headers=talent)
        assert resp.status == 200, await resp.text()
        # Here at once: the request that lost it dropped what this process kept.
        lost = await client.get(f"{CARD}/code", headers=talent)
        assert lost.status == 409
        # There once the announcement (an outbox job, after commit) has gone out.
        await _until(lambda: other.heard > heard)
        with pytest.raises(DomainError) as refused:
            await view.card_code(resident_id, None, deps.codes, datetime.now(UTC), other)
        assert refused.value.code == "talent_card_lost"
    finally:
        listening.cancel()
