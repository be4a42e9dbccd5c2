"""The hot endpoints bench/http.py measures, each with a request factory.

How to add or fill in one: write ``async def _name(ctx: Context) -> Prepared`` that sets up
what the endpoint needs through the API (log personas in, open an account, mint codes) with
``ctx.call``, then returns a factory building the n-th request. Setup is not timed; the
factory is called in the timed loop, so it must be cheap (pre-build anything costly, such as
signatures, in a list and index it). Inputs that can be used once (scanned codes, tap ids)
go in a pool of ``limit`` items: the run stops when the pool is spent. Raise ``NotReady`` with
a reason when the setup cannot be done; the table prints the reason. Then point the entry in
``ENDPOINTS`` at it. An entry whose route is not in /openapi.json is reported as not built.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bench.load import Request, RequestFactory, fixed


class NotReady(Exception):
    """The endpoint's setup could not be done; the message says why."""


@dataclass(frozen=True, slots=True)
class Prepared:
    factory: RequestFactory
    limit: int | None = None  # requests available in all (single-use inputs), warm-up included
    warmup: int | None = None  # requests before timing; None: four per connection

    def offset(self, by: int) -> RequestFactory:
        """The factory continuing after ``by`` requests (the warm-up's)."""
        return lambda n: self.factory(n + by)


class Context:
    """What a factory's setup may use: the API of the server under test."""

    def __init__(self, session: aiohttp.ClientSession, url: str, data_dir: Path) -> None:
        self.session, self.url, self.data_dir = session, url, data_dir

    async def documented(self) -> set[tuple[str, str]]:
        """(METHOD, path) of every operation in the server's /openapi.json."""
        spec = await self.call("GET", "/openapi.json")
        return {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}

    async def call(self, method: str, path: str, *, ok: tuple[int, ...] = (), **kw: Any) -> Any:
        """One request; its JSON answer, or NotReady naming the status and problem code."""
        async with self.session.request(method, path, **kw) as resp:
            body = await resp.json(content_type=None) if resp.content_length != 0 else None
            if resp.status >= 300 and resp.status not in ok:
                code = body.get("code") if isinstance(body, dict) else None
                raise NotReady(f"setup {method} {path} answered {resp.status} {code or ''}")
            return body

    async def login(self, persona: str) -> dict[str, str]:
        """Bearer headers of a demo persona's new session."""
        body = await self.call("POST", "/api/v1/auth/login", json={"code": f"demo-{persona}"})
        return {"Authorization": f"Bearer {body['token']}"}


Prepare = Callable[[Context], Awaitable[Prepared]]


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str
    method: str
    path: str  # as written in /openapi.json
    prepare: Prepare | None  # None: nobody has written the factory yet
    p99_target: bool = True  # p99 under 50 ms at 64 connections
    min_ratio: float | None = None  # requests/s at least this fraction of hello's
    items: int = 1  # things handled per request (taps in a batch), for an items/s figure


async def _healthz(ctx: Context) -> Prepared:
    return Prepared(fixed(Request("GET", "/healthz")))


async def _login(ctx: Context) -> Prepared:
    body = b'{"code": "demo-resident"}'
    headers = {"Content-Type": "application/json"}
    return Prepared(fixed(Request("POST", "/api/v1/auth/login", headers, body)))


async def _me(ctx: Context) -> Prepared:
    return Prepared(fixed(Request("GET", "/api/v1/me", await ctx.login("resident"))))


async def _ride_code(ctx: Context) -> Prepared:
    headers = await ctx.login("resident")
    account = {"member": "self", "payment_method": "deduction", "accept_terms": True}
    await ctx.call("POST", "/api/v1/transit/account", json=account, headers=headers, ok=(409,))
    return Prepared(fixed(Request("GET", "/api/v1/transit/code?member=self", headers)))


TAPS_PER_BATCH = 100
TAP_BATCHES = 400  # requests in the taps row, warm-up included (each one is signed in setup)


async def _taps(ctx: Context) -> Prepared:
    """Batches of taps from bus-101 carrying one rider's code, each batch signed in advance."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from services.demo import device_key_path
    from services.identity import devices

    code = (await _ride_code(ctx)).factory(0)
    ride = await ctx.call(code.method, code.path, headers=code.headers)
    key = serialization.load_pem_private_key(
        device_key_path(ctx.data_dir, "bus-101").read_bytes(), None
    )
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise NotReady("bus-101's demo key is not a P-256 key")
    now = datetime.now(UTC).isoformat()
    requests = []
    for batch in range(TAP_BATCHES):
        taps = [
            {"tap_id": f"bench:{batch}:{n}", "code": ride["code"], "line": "1",
             "vehicle": "鲁K-01234", "stop": "火车站", "shown_result": "ok", "tapped_at": now}
            for n in range(TAPS_PER_BATCH)
        ]  # fmt: skip
        body = json.dumps({"taps": taps}).encode()
        headers = devices.sign_request(
            key, "bus-101", "POST", "/api/v1/devices/taps", body, nonce=secrets.token_urlsafe(16)
        )
        headers["Content-Type"] = "application/json"
        requests.append(Request("POST", "/api/v1/devices/taps", headers, body))
    return Prepared(lambda n: requests[n], limit=TAP_BATCHES, warmup=20)


async def _records(ctx: Context) -> Prepared:
    headers = await ctx.login("parent")
    path = "/api/v1/medical/records?member=self"
    await ctx.call("GET", path, headers=headers)  # the first read fills the cache
    return Prepared(fixed(Request("GET", path, headers)))


WAIVER_CODES = 600  # requests in the waiver row, warm-up included: codes live one minute


async def _waiver(ctx: Context) -> Prepared:
    """The librarian waives 1 fen of library deposit per scan of a fresh code of ``resident``
    (the scene's limit of 30,000 fen outlasts the pool, so every scan is a real waiver)."""
    resident, librarian = await ctx.login("resident"), await ctx.login("librarian")
    texts = [
        (await ctx.call("GET", "/api/v1/credit/code", headers=resident))["text"]
        for _ in range(WAIVER_CODES)
    ]
    headers = {**librarian, "Content-Type": "application/json"}

    def scan(n: int) -> Request:
        body = {"code": texts[n], "scene": "library", "amount": 1, "reference": f"bench-{n}"}
        return Request(
            "POST", "/api/v1/merchant/credit/waivers", headers, json.dumps(body).encode()
        )

    return Prepared(scan, limit=WAIVER_CODES, warmup=40)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("healthz (middleware stack only)", "GET", "/healthz", _healthz, p99_target=False),
    Endpoint("login (WeChat sim in-process)", "POST", "/api/v1/auth/login", _login, False),
    Endpoint("me (session + database read)", "GET", "/api/v1/me", _me),
    Endpoint("ride code", "GET", "/api/v1/transit/code", _ride_code),
    # A pool of talent codes from GET /api/v1/talent/card/code and a benefit whose quota
    # outlasts the pool; scanned by the gatekeeper.
    Endpoint(
        "talent redemption", "POST", "/api/v1/merchant/talent/redemptions", None, min_ratio=0.25
    ),
    Endpoint("credit waiver", "POST", "/api/v1/merchant/credit/waivers", _waiver, min_ratio=0.25),
    Endpoint(
        f"taps (batches of {TAPS_PER_BATCH})",
        "POST",
        "/api/v1/devices/taps",
        _taps,
        items=TAPS_PER_BATCH,
    ),
    # Encrypted WeChat XML with distinct MsgIds (retries are deduplicated), built in setup.
    Endpoint("bot callback", "POST", "/wechat/callback", None),
    Endpoint("record list (from cache)", "GET", "/api/v1/medical/records", _records),
)
