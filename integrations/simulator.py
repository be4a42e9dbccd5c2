"""Shared base of every simulator: signed-request checks, envelope helpers, control endpoints.

Paths under ``/_sim/`` are for tests and demo tooling: they skip signing and are not counted.
Every simulator takes ``POST /_sim/faults`` (see ``Fault``) to misbehave on its platform calls
until set back to ``{"mode": "off"}``: the one fault injector, which the platform-shaped
controls of a few simulators (``/_sim/latency``, ``/_sim/outage`` …) only set.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Callable, Hashable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from integrations.signing import HEADERS, verify

CONTROL_PREFIX = "/_sim/"
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


FaultMode = Literal["off", "slow", "fail", "garbage"]
FAULT_MODES: tuple[FaultMode, ...] = ("off", "slow", "fail", "garbage")


@dataclass(frozen=True)
class Fault:
    """How platform calls misbehave: ``slow`` answers late, ``fail`` answers ``status`` (after
    ``seconds``), ``garbage`` answers a body no platform sends; ``off`` behaves.

    ``calls`` limits it to the next n calls (None: until set off), ``operation`` to one route.
    """

    mode: FaultMode = "off"
    seconds: float = 0.0
    status: int = 503
    calls: int | None = None
    operation: str | None = None

    def hits(self, request: web.Request) -> bool:
        if self.mode == "off" or self.calls == 0 or is_control(request):
            return False
        return self.operation is None or self.operation == request.match_info.route.name


def unavailable(status: int) -> web.Response:
    """The default failing answer: a bare status, as a load balancer in front would give."""
    return web.Response(status=status, text="service unavailable (injected)")


@dataclass
class SimState:
    """Per-simulator state shared by its parts: calls by operation and a clock tests can move."""

    calls: Counter[str] = field(default_factory=Counter)
    offset: float = 0.0
    fault: Fault = field(default_factory=Fault)
    failure: Callable[[int], web.Response] = unavailable  # the platform's way to fail

    def now(self) -> float:
        return time.time() + self.offset


SIM = web.AppKey("simulator", SimState)


def ok(data: Mapping[str, Any]) -> web.Response:
    """A successful answer in the government-platform envelope."""
    return web.json_response({"code": 0, "message": "ok", "data": dict(data)})


def fail(code: int, message: str) -> web.Response:
    """A business error the platform's way: HTTP 200 and a non-zero ``code``."""
    return web.json_response({"code": code, "message": message})


def is_control(request: web.Request) -> bool:
    return request.path.startswith(CONTROL_PREFIX)


async def control_body(request: web.Request) -> dict[str, Any]:
    """The JSON object sent to a ``/_sim/`` endpoint; 400 for anything else."""
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="expected a JSON object") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return body


async def request_json(request: web.Request) -> dict[str, Any] | None:
    """The JSON object a platform request carries; None when the body is anything else."""
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def simulator_app(
    *middlewares: Middleware, failure: Callable[[int], web.Response] = unavailable
) -> web.Application:
    """An application with the call counter, the clock, faults and the ``/_sim/`` endpoints.

    ``failure(status)`` is the answer of a failing call (a platform may fail its own way).
    """
    app = web.Application(middlewares=[_count_calls, _inject_fault, *middlewares])
    app[SIM] = SimState(failure=failure)
    app.router.add_get(CONTROL_PREFIX + "faults", _faults)
    app.router.add_post(CONTROL_PREFIX + "faults", _set_faults)
    app.router.add_get(CONTROL_PREFIX + "calls", _calls)
    app.router.add_delete(CONTROL_PREFIX + "calls", _reset_calls)
    app.router.add_get(CONTROL_PREFIX + "clock", _clock)
    app.router.add_post(CONTROL_PREFIX + "clock", _advance_clock)
    return app


class NonceStore:
    """Nonces seen recently, oldest first, each kept ``ttl`` seconds; at most ``limit`` kept."""

    def __init__(self, ttl: float, limit: int = 100_000) -> None:
        self._ttl, self._limit = ttl, limit
        self._expiry: dict[Hashable, float] = {}

    def add(self, nonce: Hashable, now: float) -> bool:
        """Remember ``nonce``; False when it was already seen and has not expired."""
        while self._expiry:
            oldest, expires = next(iter(self._expiry.items()))
            if expires > now:
                break
            del self._expiry[oldest]
        if nonce in self._expiry:
            return False
        if len(self._expiry) >= self._limit:
            # Bounded memory beats perfect replay protection in a simulator.
            del self._expiry[next(iter(self._expiry))]
        self._expiry[nonce] = now + self._ttl
        return True

    def __len__(self) -> int:
        return len(self._expiry)


def signed_requests(credentials: Mapping[str, str], window_seconds: int = 300) -> Middleware:
    """Middleware refusing requests whose app id, timestamp, nonce or signature is wrong."""
    # A timestamp is accepted up to a window either side of now, so a request stays
    # replayable for at most two windows after first use: keep nonces that long.
    nonces = NonceStore(ttl=2 * window_seconds)

    @web.middleware
    async def check_signature(request: web.Request, handler: Handler) -> web.StreamResponse:
        if is_control(request):
            return await handler(request)
        app_id, timestamp, nonce, signature = (request.headers.get(h, "") for h in HEADERS)
        if not (app_id and signature and _TIMESTAMP.fullmatch(timestamp)):
            return fail(10001, "缺少认证头 (missing authentication headers)")
        if not _NONCE.fullmatch(nonce):
            return fail(10001, "随机串格式错误 (nonce must be 16-64 URL-safe characters)")
        secret = credentials.get(app_id)
        if secret is None:
            return fail(10002, "应用不存在 (unknown app id)")
        now = request.app[SIM].now()
        if abs(now - int(timestamp)) > window_seconds:
            return fail(10003, "时间戳超出有效期 (timestamp outside the allowed window)")
        body = await request.read()
        if not verify(
            secret, app_id, timestamp, nonce, request.method, request.raw_path, body, signature
        ):
            return fail(10005, "签名错误 (bad signature)")
        # Recorded only after the signature checks out, so strangers cannot burn nonces.
        if not nonces.add((app_id, nonce), now):
            return fail(10004, "随机串重复使用 (nonce already used)")
        return await handler(request)

    return check_signature


@web.middleware
async def _count_calls(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_control(request):
        request.app[SIM].calls[request.match_info.route.name or "unrouted"] += 1
    return await handler(request)


async def _calls(request: web.Request) -> web.Response:
    return web.json_response(dict(request.app[SIM].calls))


async def _reset_calls(request: web.Request) -> web.Response:
    request.app[SIM].calls.clear()
    return web.json_response({})


async def _clock(request: web.Request) -> web.Response:
    return web.json_response({"now": request.app[SIM].now()})


async def _advance_clock(request: web.Request) -> web.Response:
    """``{"advance": seconds}`` moves the simulator's clock forward (expiry tests)."""
    seconds = (await control_body(request)).get("advance")
    if not isinstance(seconds, int | float) or seconds < 0:
        raise web.HTTPBadRequest(text="advance must be a non-negative number of seconds")
    request.app[SIM].offset += seconds
    return web.json_response({"now": request.app[SIM].now()})


# A body no platform would send: neither JSON nor the platform's envelope.
_GARBAGE = b"<html><body>502 Bad Gateway</body></html>\x00\xff\xfe"


@web.middleware
async def _inject_fault(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Misbehave as ``/_sim/faults`` asked; control paths always work."""
    state = request.app[SIM]
    fault = state.fault
    if not fault.hits(request):
        return await handler(request)
    if fault.calls is not None:
        state.fault = replace(fault, calls=fault.calls - 1)
    if fault.seconds and fault.mode != "garbage":
        await asyncio.sleep(fault.seconds)
    if fault.mode == "slow":
        return await handler(request)
    if fault.mode == "fail":
        return state.failure(fault.status)
    return web.Response(status=200, body=_GARBAGE, content_type="application/json")


def set_fault(app: web.Application, fault: Fault) -> None:
    """Start (or, with mode "off", end) a fault: for a simulator's own control endpoints."""
    app[SIM].fault = fault


async def _faults(request: web.Request) -> web.Response:
    return web.json_response(asdict(request.app[SIM].fault))


async def _set_faults(request: web.Request) -> web.Response:
    """``{"mode": "slow"|"fail"|"garbage"|"off", "seconds": n, "status": 503, "calls": n|null,
    "operation": route name|null}`` (all but mode optional; see ``Fault``)."""
    body = await control_body(request)
    mode, seconds = body.get("mode"), body.get("seconds", 0)
    status, calls, operation = body.get("status", 503), body.get("calls"), body.get("operation")
    if mode not in FAULT_MODES or not _number(seconds) or not 0 <= seconds <= 600:
        raise web.HTTPBadRequest(text="mode: slow|fail|garbage|off; seconds: 0-600")
    if type(status) is not int or not 400 <= status <= 599:
        raise web.HTTPBadRequest(text="status: an HTTP error status, 400-599")
    if calls is not None and (type(calls) is not int or calls < 0):
        raise web.HTTPBadRequest(text="calls: how many calls misbehave, or null for all")
    if operation is not None and not isinstance(operation, str):
        raise web.HTTPBadRequest(text="operation: a route name, or null for every call")
    set_fault(request.app, Fault(mode, float(seconds), status, calls, operation))
    return await _faults(request)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
