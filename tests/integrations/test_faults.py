"""The one fault injector every simulator shares, and the platform shorthands that only set it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp.plugin import AiohttpClient

from integrations.base import Platform
from integrations.credit.sim.server import create_simulator as credit_simulator
from integrations.health.sim.server import create_simulator as health_simulator
from integrations.hotline.sim.server import create_simulator as hotline_simulator
from integrations.simulator import simulator_app
from integrations.talent.sim.server import create_simulator as talent_simulator

Client = TestClient[web.Request, web.Application]


async def _answer(request: web.Request) -> web.Response:
    return web.json_response({"route": request.match_info.route.name})


def _app(failure: Callable[[int], web.Response] | None = None) -> web.Application:
    app = simulator_app() if failure is None else simulator_app(failure=failure)
    app.router.add_get("/echo", _answer, name="echo")
    app.router.add_get("/other", _answer, name="other")
    return app


@pytest.fixture
async def client(aiohttp_client: AiohttpClient) -> Client:
    return await aiohttp_client(_app())


async def _fault(client: Client, **body: Any) -> dict[str, Any]:
    response = await client.post("/_sim/faults", json=body)
    assert response.status == 200, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


async def _status(client: Client, path: str) -> int:
    async with client.get(path) as response:
        return response.status


async def test_a_limited_fault_of_one_operation(client: Client) -> None:
    await _fault(client, mode="fail", calls=2, operation="echo", status=502)
    assert [await _status(client, "/echo") for _ in range(3)] == [502, 502, 200]
    assert await _status(client, "/other") == 200
    assert (await (await client.get("/_sim/faults")).json())["calls"] == 0
    assert await (await client.get("/_sim/calls")).json() == {"echo": 3, "other": 1}


async def test_fail_until_set_off_and_controls_keep_working(client: Client) -> None:
    await _fault(client, mode="fail")
    assert await _status(client, "/echo") == 503
    assert await _status(client, "/_sim/calls") == 200
    assert await _fault(client, mode="off") == {
        "mode": "off", "seconds": 0.0, "status": 503, "calls": None, "operation": None,
    }  # fmt: skip
    assert await _status(client, "/echo") == 200


async def test_slow_answers_late_and_garbage_is_no_json(client: Client) -> None:
    await _fault(client, mode="slow", seconds=0.2, calls=1)
    started = time.monotonic()
    assert await _status(client, "/echo") == 200
    assert time.monotonic() - started >= 0.2
    await _fault(client, mode="garbage")
    async with client.get("/echo") as response:
        assert response.status == 200
        with pytest.raises(ValueError):  # noqa: PT011 (whatever the JSON parser raises)
            await response.json()


async def test_a_platform_fails_its_own_way(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(
        _app(lambda status: web.json_response({"s": status}, status=status))
    )
    await _fault(client, mode="fail", status=500, seconds=0.1)
    async with client.get("/echo") as response:
        assert (response.status, await response.json()) == (500, {"s": 500})


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "broken"},
        {"mode": "slow", "seconds": 601},
        {"mode": "slow", "seconds": True},
        {"mode": "fail", "status": 200},
        {"mode": "fail", "calls": -1},
        {"mode": "fail", "operation": 7},
    ],
)
async def test_a_bad_fault_is_400(client: Client, body: dict[str, Any]) -> None:
    assert (await client.post("/_sim/faults", json=body)).status == 400


PLATFORM = Platform("any", "embedded", "palm-test", "test-secret")


@pytest.mark.parametrize(
    ("make", "method", "path", "body", "fault"),
    [
        (
            hotline_simulator, "POST", "/_sim/latency", {"seconds": 1.5},
            {"mode": "slow", "seconds": 1.5},
        ),
        (hotline_simulator, "POST", "/_sim/latency", {"seconds": 0}, {"mode": "off"}),
        (talent_simulator, "POST", "/_sim/availability", {"available": False}, {"mode": "fail"}),
        (talent_simulator, "POST", "/_sim/availability", {"available": True}, {"mode": "off"}),
        (
            credit_simulator, "POST", "/_sim/failures",
            {"operation": "credit.rating", "times": 2},
            {"mode": "fail", "calls": 2, "operation": "credit.rating"},
        ),
        (
            health_simulator, "POST", "/_sim/outage", {"status": 502, "delay": 1, "calls": 3},
            {"mode": "fail", "seconds": 1.0, "status": 502, "calls": 3},
        ),
        (
            health_simulator, "POST", "/_sim/outage", {"status": None, "delay": 2},
            {"mode": "slow", "seconds": 2.0},
        ),
        (health_simulator, "DELETE", "/_sim/outage", None, {"mode": "off"}),
    ],
)  # fmt: skip
async def test_platform_shorthands_set_the_shared_fault(
    aiohttp_client: AiohttpClient,
    make: Callable[[Platform], web.Application],
    method: str,
    path: str,
    body: dict[str, Any] | None,
    fault: dict[str, Any],
) -> None:
    client = await aiohttp_client(make(PLATFORM))
    if fault["mode"] == "off":  # start from a fault, so "off" is seen to end it
        await _fault(client, mode="fail")
    async with client.request(method, path, json=body) as response:
        assert response.status == 200, await response.text()
    shared = await (await client.get("/_sim/faults")).json()
    assert {key: shared[key] for key in fault} == fault
