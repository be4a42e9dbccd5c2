"""The shared simulator base: raw requests against ``signed_requests``, counters and clock."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp.plugin import AiohttpClient

from integrations.signing import new_nonce, sign
from integrations.simulator import NonceStore, ok, signed_requests, simulator_app

APP_ID, SECRET = "palm-test", "echo-secret"
BODY = json.dumps({"certName": "于晓峰"}, ensure_ascii=False).encode()


async def _echo(request: web.Request) -> web.Response:
    return ok({"echo": await request.json()})


@pytest.fixture
async def client(aiohttp_client: AiohttpClient) -> TestClient[web.Request, web.Application]:
    app = simulator_app(signed_requests({APP_ID: SECRET}))
    app.router.add_post("/echo", _echo, name="echo")
    return await aiohttp_client(app)


def headers(
    *,
    app_id: str = APP_ID,
    secret: str = SECRET,
    timestamp: int | None = None,
    nonce: str | None = None,
    path: str = "/echo",
    body: bytes = BODY,
) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    nonce = new_nonce() if nonce is None else nonce
    return {
        "X-App-Id": app_id,
        "X-Timestamp": str(timestamp),
        "X-Nonce": nonce,
        "X-Signature": sign(secret, app_id, timestamp, nonce, "POST", path, body),
        "Content-Type": "application/json",
    }


async def post(client: TestClient[Any, Any], hdrs: dict[str, str], body: bytes = BODY) -> Any:
    response = await client.post("/echo", data=body, headers=hdrs)
    assert response.status == 200  # the platform reports refusals in the envelope
    return await response.json()


async def test_signed_request_is_served(client: TestClient[Any, Any]) -> None:
    answer = await post(client, headers())
    assert answer == {"code": 0, "message": "ok", "data": {"echo": {"certName": "于晓峰"}}}


@pytest.mark.parametrize("missing", ["X-App-Id", "X-Timestamp", "X-Nonce", "X-Signature"])
async def test_missing_header_is_10001(client: TestClient[Any, Any], missing: str) -> None:
    hdrs = headers()
    del hdrs[missing]
    assert (await post(client, hdrs))["code"] == 10001


@pytest.mark.parametrize("nonce", ["short", "has spaces in it!!", "x" * 65])
async def test_malformed_nonce_is_10001(client: TestClient[Any, Any], nonce: str) -> None:
    assert (await post(client, headers(nonce=nonce)))["code"] == 10001


async def test_unknown_app_id_is_10002(client: TestClient[Any, Any]) -> None:
    assert (await post(client, headers(app_id="someone-else")))["code"] == 10002


@pytest.mark.parametrize("skew", [-301, 301, -100_000])
async def test_timestamp_outside_window_is_10003(client: TestClient[Any, Any], skew: int) -> None:
    answer = await post(client, headers(timestamp=int(time.time()) + skew))
    assert answer["code"] == 10003


async def test_timestamp_inside_window_is_accepted(client: TestClient[Any, Any]) -> None:
    assert (await post(client, headers(timestamp=int(time.time()) - 290)))["code"] == 0


async def test_reused_nonce_is_10004(client: TestClient[Any, Any]) -> None:
    hdrs = headers()
    assert (await post(client, hdrs))["code"] == 0
    assert (await post(client, hdrs))["code"] == 10004


async def test_bad_signature_is_10005(client: TestClient[Any, Any]) -> None:
    tampered = BODY.replace("于".encode(), "王".encode())
    assert (await post(client, headers(), body=tampered))["code"] == 10005
    assert (await post(client, headers(secret="guessed")))["code"] == 10005
    assert (await post(client, headers(path="/other")))["code"] == 10005


async def test_refused_signature_does_not_burn_the_nonce(client: TestClient[Any, Any]) -> None:
    nonce = new_nonce()
    assert (await post(client, headers(nonce=nonce, secret="guessed")))["code"] == 10005
    assert (await post(client, headers(nonce=nonce)))["code"] == 0


async def test_calls_are_counted_by_operation(client: TestClient[Any, Any]) -> None:
    await post(client, headers())
    await post(client, headers(app_id="someone-else"))  # refused calls happened upstream too
    assert await (await client.get("/_sim/calls")).json() == {"echo": 2}
    await client.delete("/_sim/calls")
    assert await (await client.get("/_sim/calls")).json() == {}


async def test_advancing_the_clock_makes_timestamps_stale(client: TestClient[Any, Any]) -> None:
    hdrs = headers()
    await client.post("/_sim/clock", json={"advance": 301})
    assert (await post(client, hdrs))["code"] == 10003
    assert (await client.post("/_sim/clock", json={"advance": -1})).status == 400


def test_nonce_store_forgets_after_ttl_and_stays_bounded() -> None:
    store = NonceStore(ttl=10, limit=3)
    assert store.add("a", now=0)
    assert not store.add("a", now=9.9)
    assert store.add("a", now=10)
    for nonce in "bcde":
        assert store.add(nonce, now=11)
    assert len(store) == 3
