"""The rows of the pipeline bench (bench/pipeline.py): what each measures and how it is set up.

A row is either *fixed* (the same request every time: wrk sends it) or a *pool* (every
request must differ: single-use codes, fresh nonces, unique tap ids), whose requests are built
in advance, just before the timed run, and sent by our own client (bench/load.py), which stops
when the pool is spent. Setup goes through the server's API (personas log in, accounts are
opened, codes minted) and is not timed; a setup that fails raises ``NotReady`` and the row
prints "n/a" with the reason (a ``--compare`` commit may lack the endpoint).
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bench.hot import Context as _ApiContext
from bench.hot import NotReady
from bench.load import Request

__all__ = ["ROWS", "Context", "Fixed", "NotReady", "Pool", "Row", "select"]


class Context(_ApiContext):
    """The API of the server under test, its data directory and the environment it runs in."""

    def __init__(
        self, session: aiohttp.ClientSession, url: str, data_dir: Path, env: dict[str, str]
    ) -> None:
        super().__init__(session, url, data_dir)
        self.env = env


@dataclass(frozen=True, slots=True)
class Fixed:
    """One request, sent again and again by wrk."""

    path: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Pool:
    """Requests that may each be sent once, in order; the run ends when they are spent."""

    requests: list[Request]
    connections: int | None = None  # None: the run's --connections


Setup = Callable[[Context, int], Awaitable[Fixed | Pool]]
"""Builds a row's requests; the int is the pool size wanted (ignored by fixed rows)."""


@dataclass(frozen=True, slots=True)
class Row:
    key: str  # the name --rows takes
    label: str
    setup: Setup
    target: float  # ratio to hello, or items/s when ``items`` > 1
    pool: int = 0  # pool rows: requests per timed run (the run stops sooner when spent)
    items: int = 1  # things per request (taps per batch): the target is then items/s
    p99: bool = True  # p99 under 50 ms at 64 connections is part of the verdict
    workers: int = 1  # palm serve --workers for this row


async def _healthz(ctx: Context, _: int) -> Fixed:
    return Fixed("/healthz")


async def _me(ctx: Context, _: int) -> Fixed:
    return Fixed("/api/v1/me", await ctx.login("resident"))


async def _ride(ctx: Context, _: int) -> Fixed:
    headers = await ctx.login("resident")
    account = {"member": "self", "payment_method": "deduction", "accept_terms": True}
    await ctx.call("POST", "/api/v1/transit/account", json=account, headers=headers, ok=(409,))
    path = "/api/v1/transit/code?member=self"
    await ctx.call("GET", path, headers=headers)
    return Fixed(path, headers)


async def _talent_card(ctx: Context) -> dict[str, str]:
    """The talent persona's headers, with a card (applied for with no paper: silver)."""
    headers = await ctx.login("talent")
    await ctx.call("POST", "/api/v1/talent/applications", json={}, headers=headers, ok=(409,))
    await ctx.call("GET", "/api/v1/talent/card", headers=headers)
    return headers


async def _talent_code(ctx: Context, _: int) -> Fixed:
    headers = await _talent_card(ctx)
    await ctx.call("GET", "/api/v1/talent/card/code", headers=headers)
    return Fixed("/api/v1/talent/card/code", headers)


async def _credit_code(ctx: Context, _: int) -> Fixed:
    headers = await ctx.login("resident")
    await ctx.call("GET", "/api/v1/credit/code", headers=headers)
    return Fixed("/api/v1/credit/code", headers)


async def _records(ctx: Context, _: int) -> Fixed:
    """The demo resident's record list (verified; the health simulator holds their records)."""
    headers = await ctx.login("resident")
    path = "/api/v1/medical/records?member=self"
    body = await ctx.call("GET", path, headers=headers)  # the first read fills the cache
    if not body or not body.get("records"):
        raise NotReady("the demo resident has no medical records")
    again = await ctx.call("GET", path, headers=headers)
    if again["source"]["as_of"] != body["source"]["as_of"]:  # the platform was asked again
        raise NotReady("the record list was not served from the cache")
    return Fixed(path, headers)


async def gather_limited(calls: list[Callable[[], Awaitable[Any]]], width: int = 32) -> list[Any]:
    """Run the calls ``width`` at a time, results in order (pool setup, not timed)."""
    results: list[Any] = [None] * len(calls)
    todo = iter(enumerate(calls))

    async def worker() -> None:
        for index, call in todo:
            results[index] = await call()

    await asyncio.gather(*(worker() for _ in range(min(width, len(calls)))))
    return results


def waiver_request(code: str, headers: dict[str, str], reference: str) -> Request:
    """A merchant's grant: 1 fen of library deposit waived on one scanned credit code."""
    body = {"code": code, "scene": "library", "amount": 1, "reference": reference}
    return Request("POST", "/api/v1/merchant/credit/waivers", headers, json.dumps(body).encode())


async def _waiver(ctx: Context, size: int) -> Pool:
    """The librarian scans fresh credit codes of the resident (codes live one minute: the
    pool is minted right before its run)."""
    resident, librarian = await ctx.login("resident"), await ctx.login("librarian")

    async def mint() -> str:
        return str((await ctx.call("GET", "/api/v1/credit/code", headers=resident))["text"])

    headers = {**librarian, "Content-Type": "application/json"}
    run = secrets.token_hex(4)
    probe = waiver_request(await mint(), headers, f"bench-{run}-probe")
    granted = await ctx.call(probe.method, probe.path, headers=probe.headers, data=probe.body)
    if granted.get("decision") != "waived":  # every scan of the run must be a real waiver
        raise NotReady(f"the probe scan was not waived: {granted.get('reason')}")
    texts = await gather_limited([mint] * size)
    return Pool([waiver_request(t, headers, f"bench-{run}-{n}") for n, t in enumerate(texts)])


BENCH_BENEFIT = "bench-gate-entry"


def redemption_request(code: str, headers: dict[str, str]) -> Request:
    body = {"code": code, "benefit": BENCH_BENEFIT}
    return Request(
        "POST", "/api/v1/merchant/talent/redemptions", headers, json.dumps(body).encode()
    )


async def _redeem(ctx: Context, size: int) -> Pool:
    """The gatekeeper redeems fresh talent codes of the talent persona for a benefit without a
    quota (created by the officer), so every scan is a real redemption."""
    officer = await ctx.login("officer")
    benefit = {
        "code": BENCH_BENEFIT, "name_zh": "压测入园", "name_en": "Bench gate entry",
        "merchant": "liugong-island", "tiers": ["gold", "silver", "standard"], "quota": None,
        "period": "year", "family_eligible": True, "active_from": "2025-01-01",
    }  # fmt: skip
    await ctx.call("POST", "/api/v1/admin/talent/benefits", json=benefit, headers=officer,
                   ok=(409,))  # fmt: skip
    talent, gatekeeper = await _talent_card(ctx), await ctx.login("gatekeeper")

    async def mint() -> str:
        return str((await ctx.call("GET", "/api/v1/talent/card/code", headers=talent))["code"])

    texts = await gather_limited([mint] * size)
    headers = {**gatekeeper, "Content-Type": "application/json"}
    return Pool([redemption_request(t, headers) for t in texts])


BOT_QUESTION = "65周岁坐公交要钱吗"  # in the knowledge base (tests/bot/kb_dev.json)


@dataclass(frozen=True, slots=True)
class WeChatAccount:
    token: str
    aes_key: str
    app_id: str


def wechat_account(env: dict[str, str]) -> WeChatAccount:
    """The official account the server under test reads from ``env``."""
    from palm.settings import Settings

    settings = Settings.from_env(env)
    return WeChatAccount(settings.wechat_token, settings.wechat_aes_key, settings.wechat.app_id)


def text_push(account: WeChatAccount, openid: str, content: str, msg_id: int, now: int) -> Request:
    """A text message pushed as WeChat does in safe mode: encrypted, signed, fresh nonce."""
    import base64

    from wechatpy.crypto import PrpCrypto

    from bot.crypto import signature

    xml = (
        f"<xml><ToUserName><![CDATA[gh_palm]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{now}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )
    key = base64.b64decode(account.aes_key + "=")
    sealed = PrpCrypto(key).encrypt(xml, account.app_id).decode()
    ts, nonce = str(now), secrets.token_hex(8)
    query = (
        f"timestamp={ts}&nonce={nonce}&signature={signature(account.token, ts, nonce)}"
        f"&encrypt_type=aes&msg_signature={signature(account.token, ts, nonce, sealed)}"
    )
    body = (
        "<xml><ToUserName><![CDATA[gh_palm]]></ToUserName>"
        f"<Encrypt><![CDATA[{sealed}]]></Encrypt></xml>"
    )
    headers = {"Content-Type": "application/xml"}
    return Request("POST", f"/wechat/callback?{query}", headers, body.encode())


async def _bot(ctx: Context, size: int) -> Pool:
    """The demo resident asks a question the knowledge base answers; every push has its own
    MsgId and nonce (replays are refused)."""
    from bot.crypto import Envelope
    from integrations.simworld import openid_for

    account = wechat_account(ctx.env)
    openid = openid_for(account.app_id, "resident")
    now, base = int(time.time()), secrets.randbits(40) << 20
    probe = text_push(account, openid, BOT_QUESTION, base - 1, now)
    async with ctx.session.request(probe.method, probe.path, headers=probe.headers,
                                   data=probe.body) as resp:  # fmt: skip
        reply = await resp.text()
    sealed = re.search(r"<Encrypt><!\[CDATA\[(.+?)\]\]>", reply)
    if resp.status != 200 or sealed is None:
        raise NotReady(f"callback answered {resp.status}: {reply[:80]}")
    inner = Envelope(account.token, account.aes_key, account.app_id).open(sealed.group(1))
    if "<Content>" not in inner:  # a text answer, not an empty "success"
        raise NotReady(f"the bot's reply holds no text: {inner[:80]}")
    return Pool([text_push(account, openid, BOT_QUESTION, base + n, now) for n in range(size)])


TAPS_PER_BATCH = 1000


def tap_batch(key: Any, code: str, batch: str, now: str) -> Request:
    """One validator upload of ``TAPS_PER_BATCH`` taps of one ride code, signed as bus-101."""
    from services.identity import devices

    taps = [
        {"tap_id": f"bench:{batch}:{n}", "code": code, "line": "1", "vehicle": "鲁K-01234",
         "stop": "火车站", "shown_result": "ok", "tapped_at": now}
        for n in range(TAPS_PER_BATCH)
    ]  # fmt: skip
    body = json.dumps({"taps": taps}).encode()
    headers = devices.sign_request(
        key, "bus-101", "POST", "/api/v1/devices/taps", body, nonce=secrets.token_urlsafe(16)
    )
    headers["Content-Type"] = "application/json"
    return Request("POST", "/api/v1/devices/taps", headers, body)


async def _taps(ctx: Context, size: int) -> Pool:
    """Batches of taps carrying the resident's ride code, each batch signed with bus-101's key
    (written by the demo seed into the server's data directory)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from services.demo import device_key_path

    ride = await _ride(ctx, 0)
    code = (await ctx.call("GET", ride.path, headers=ride.headers))["code"]
    path = device_key_path(ctx.data_dir, "bus-101")
    if not path.exists():
        raise NotReady(f"no device key at {path}")
    key = serialization.load_pem_private_key(path.read_bytes(), None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise NotReady("bus-101's demo key is not a P-256 key")
    now, run = datetime.now(UTC).isoformat(), secrets.token_hex(4)
    return Pool([tap_batch(key, code, f"{run}:{n}", now) for n in range(size)], connections=8)


ROWS: tuple[Row, ...] = (
    Row("healthz", "/healthz", _healthz, 0.70, p99=False),
    Row("ride", "ride code GET /api/v1/transit/code", _ride, 0.40),
    Row("talent-code", "talent code GET /api/v1/talent/card/code", _talent_code, 0.35),
    Row("credit-code", "credit code GET /api/v1/credit/code", _credit_code, 0.35),
    Row("me", "GET /api/v1/me", _me, 0.30),
    Row("records", "record list from cache", _records, 0.20),
    Row("waiver", "merchant credit waiver", _waiver, 0.10, pool=3000),
    Row("redeem", "talent redemption at the gate", _redeem, 0.15, pool=4000),
    Row("bot", "bot callback, text question", _bot, 0.25, pool=8000),
    Row(
        "taps",
        f"taps, batches of {TAPS_PER_BATCH}",
        _taps,
        50_000,
        pool=300,
        items=TAPS_PER_BATCH,
        p99=False,
    ),
    Row("ride-w2", "ride code, palm serve --workers 2", _ride, 0.40, workers=2),
)


def select(spec: str | None) -> list[Row]:
    """The rows ``--rows a,b`` names (all when empty); ValueError naming unknown ones."""
    if not spec:
        return list(ROWS)
    wanted = [name.strip() for name in spec.split(",") if name.strip()]
    known = {row.key: row for row in ROWS}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise ValueError(f"unknown row(s) {', '.join(unknown)}; known: {', '.join(known)}")
    if "ride-w2" in wanted and "ride" not in wanted:
        wanted.insert(0, "ride")  # its verdict is against one worker's figure
    return [row for row in ROWS if row.key in wanted]
