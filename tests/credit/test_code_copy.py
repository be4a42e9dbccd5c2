"""A credit code for oneself needs no database read once the account is known here."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from palm import keys
from tests.helpers import bearer, login


async def test_the_own_account_is_kept_and_dropped_on_a_change(client: TestClient) -> None:
    headers = bearer(await login(client, "resident"))
    kept = client.app[keys.DEPS].changes.copy("credit-own-account", topic="resident")
    first = await client.get("/api/v1/credit/code", headers=headers)
    assert first.status == 200, await first.text()
    again = await client.get("/api/v1/credit/code", headers=headers)
    assert again.status == 200
    assert (await first.json())["text"] != (await again.json())["text"]  # each code its own
    if client.app[keys.DEPS].changes.live:
        assert kept.hits >= 1
        assert len(kept) == 1
    changed = await client.patch("/api/v1/me", json={"language": "en"}, headers=headers)
    assert changed.status == 200
    assert len(kept) == 0  # any change to the resident drops it, here and everywhere
    assert (await client.get("/api/v1/credit/code", headers=headers)).status == 200
