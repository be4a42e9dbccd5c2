"""One WeChat access token for every process: refreshed once, under a lock, retried once."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from palm import keys
from services.identity.wechat_token import AccessTokenHolder
from tests.helpers import sim


async def _stable_token_calls(client: TestClient) -> int:
    calls = await sim(client, "wechat", "GET", "/_sim/calls")
    return int(calls.get("stable_token", 0))


async def test_concurrent_callers_in_many_processes_refresh_once(client: TestClient) -> None:
    app = client.app
    # Four holders sharing Redis stand for four worker processes.
    holders = [AccessTokenHolder(app[keys.DEPS].redis, app[keys.DEPS].wechat) for _ in range(4)]
    before = await _stable_token_calls(client)
    tokens = await asyncio.gather(*(holders[i % 4].token() for i in range(60)))
    assert len(set(tokens)) == 1
    assert await _stable_token_calls(client) == before + 1


async def test_stale_token_is_refreshed_once_and_the_call_retried(client: TestClient) -> None:
    app = client.app
    holder = app[keys.DEPS].wechat_tokens
    await app[keys.DEPS].redis.set("palm:wechat:access_token", "revoked-token", ex=600)
    phone = await sim(client, "wechat", "POST", "/_sim/phone-codes", json={"phone": "13905319999"})
    before = await _stable_token_calls(client)

    async def fetch(token: str) -> str:
        return (
            await app[keys.DEPS].wechat.get_phone_number(token, phone["code"])
        ).pure_phone_number

    assert await holder.call(fetch) == "13905319999"
    assert await _stable_token_calls(client) == before + 1
    assert await holder.token() != "revoked-token"
