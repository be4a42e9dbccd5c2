"""SignedPlatformClient: envelope read, business errors mapped, unavailability in every form."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import replace

import aiohttp
import pytest
from aiohttp import web

from integrations.base import PlatformError, PlatformUnavailable
from integrations.client import SignedPlatformClient
from integrations.simulator import fail, ok, signed_requests, simulator_app
from tests.integrations.conftest import AISHANDONG, RecordingObserver, Serve, Sim


async def _echo(request: web.Request) -> web.Response:
    body = await request.read()
    return ok({"query": dict(request.query), "body": body.decode() or None})


async def _refuse(request: web.Request) -> web.Response:
    return fail(20001, "参数错误")


def upstream() -> web.Application:
    """A signed platform answering /echo with what it received and /refuse with an error."""
    app = simulator_app(signed_requests({AISHANDONG.app_id: AISHANDONG.secret}))
    app.router.add_route("*", "/echo", _echo, name="echo")
    app.router.add_post("/refuse", _refuse, name="refuse")
    return app


@pytest.fixture
async def sim(serve: Serve) -> Sim:
    return await serve(upstream(), AISHANDONG)


def client_for(sim: Sim, observer: RecordingObserver, **changes: object) -> SignedPlatformClient:
    return SignedPlatformClient(sim.session, replace(sim.platform, **changes), observer)  # type: ignore[arg-type]


async def test_call_returns_data(sim: Sim, observer: RecordingObserver) -> None:
    data = await client_for(sim, observer).call("echo", "POST", "/echo", {"name": "丛桂兰"})
    assert data == {"query": {}, "body": '{"name":"丛桂兰"}'}
    assert observer.records == [("aishandong", "echo", "ok")]
    assert await sim.calls() == {"echo": 1}


async def test_query_string_is_signed_as_sent(sim: Sim, observer: RecordingObserver) -> None:
    data = await client_for(sim, observer).call("echo", "GET", "/echo?city=威海&page=1")
    assert data == {"query": {"city": "威海", "page": "1"}, "body": None}


async def test_business_error_is_platform_error(sim: Sim, observer: RecordingObserver) -> None:
    with pytest.raises(PlatformError) as caught:
        await client_for(sim, observer).call("refuse", "POST", "/refuse", {})
    assert (caught.value.platform, caught.value.code, caught.value.message) == (
        "aishandong",
        20001,
        "参数错误",
    )
    assert observer.records == [("aishandong", "refuse", "business_error")]


async def test_wrong_secret_is_the_platforms_signature_error(
    sim: Sim, observer: RecordingObserver
) -> None:
    with pytest.raises(PlatformError) as caught:
        await client_for(sim, observer, secret="not-ours").call("echo", "POST", "/echo", {})
    assert caught.value.code == 10005


async def _sleepy(request: web.Request) -> web.Response:
    await asyncio.sleep(2)
    return ok({})


async def _html(request: web.Request) -> web.Response:
    return web.Response(text="<html><body>502 Bad Gateway</body></html>", content_type="text/html")


async def _server_error(request: web.Request) -> web.Response:
    return web.json_response({"code": 0, "message": "ok", "data": {}}, status=500)


async def _not_an_envelope(request: web.Request) -> web.Response:
    return web.json_response({"result": "match"})


async def _data_not_object(request: web.Request) -> web.Response:
    return web.json_response({"code": 0, "message": "ok", "data": [1, 2]})


async def _string_code(request: web.Request) -> web.Response:
    return web.json_response({"code": "0", "message": "ok", "data": {}})


Handler = Callable[[web.Request], Awaitable[web.Response]]


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        (_sleepy, "no answer within 0.2 s"),
        (_html, "answer is not JSON"),
        (_server_error, "HTTP 500"),
        (_not_an_envelope, "answer is not an envelope"),
        (_data_not_object, "envelope data is not an object"),
        (_string_code, "answer is not an envelope"),
    ],
)
async def test_unreadable_answers_are_unavailable(
    serve: Serve,
    observer: RecordingObserver,
    caplog: pytest.LogCaptureFixture,
    handler: Handler,
    reason: str,
) -> None:
    app = web.Application()
    app.router.add_post("/identity/v1/verify", handler)
    sim = await serve(app, replace(AISHANDONG, timeout=0.2))
    caplog.set_level(logging.DEBUG, logger="integrations")
    with pytest.raises(PlatformUnavailable) as caught:
        await client_for(sim, observer).call("verify", "POST", "/identity/v1/verify", {"n": "秘密"})
    assert caught.value.reason == reason
    assert observer.records == [("aishandong", "verify", "unavailable")]
    # Neither the secret nor the request body may reach the logs.
    assert caplog.records
    assert AISHANDONG.secret not in caplog.text
    assert "秘密" not in caplog.text


async def test_connection_refused_is_unavailable(
    session: aiohttp.ClientSession, observer: RecordingObserver
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    platform = replace(AISHANDONG, base_url=f"http://127.0.0.1:{port}")
    client = SignedPlatformClient(session, platform, observer)
    with pytest.raises(PlatformUnavailable, match="transport error"):
        await client.call("verify", "POST", "/identity/v1/verify", {})
    assert observer.records == [("aishandong", "verify", "unavailable")]
