"""Bus ride code: tap ingestion, ride-code issuance against a bare aiohttp hello, annual checks.

Needs DATABASE_URL (PostgreSQL, a scratch database whose name contains "test": its schema is
rebuilt) and REDIS_URL. The app, a bare aiohttp "hello" and 爱山东 each run in a process of
their own; a raw keep-alive HTTP client in this process loads them in alternating rounds.
Targets (issue 6): 20,000 taps/s in batches of 1,000; codes at 40 % of hello's rate;
100,000 cards re-verified in under 120 s.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bench._transit_servers import PEOPLE, SECRET, bench_settings, person_number

ROUNDS, ROUND_SECONDS, CONNECTIONS = 5, 2.0, 32
TAP_BATCHES, TAP_SIZE, UPLOADERS = 60, 1000, 4
TARGET_TAPS, TARGET_RATIO, TARGET_CARDS_SECONDS = 20_000, 0.40, 120.0
_LENGTH = re.compile(rb"(?i)\r\ncontent-length: *(\d+)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def _server(kind: str, data_dir: Path) -> AsyncIterator[int]:
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench._transit_servers", kind, str(port), str(data_dir),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 300)
        assert line.strip() == b"ready", f"{kind} server did not start"
        yield port
    finally:
        process.terminate()
        await process.wait()


async def _hammer(port: int, request: bytes, seconds: float) -> float:
    """Requests per second over ``CONNECTIONS`` keep-alive connections (all must be 200)."""
    loop, done = asyncio.get_running_loop(), 0
    deadline = loop.time() + seconds

    async def connection() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while loop.time() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            match = _LENGTH.search(head)
            await reader.readexactly(int(match.group(1)) if match else 0)
            assert head[9:12] == b"200", head[:200]
            done += 1
        writer.close()

    started = loop.time()
    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return done / (loop.time() - started)


def _get(path: str, headers: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: bench\r\n{headers}\r\n".encode()


async def codes_against_hello(data_dir: Path) -> dict[str, Any]:
    async with _server("hello", data_dir) as hello, _server("palm", data_dir) as palm:
        base = f"http://127.0.0.1:{palm}"
        async with aiohttp.ClientSession() as http:
            login = await http.post(base + "/api/v1/auth/login", json={"code": "demo-resident"})
            token = (await login.json())["token"]
            auth = {"Authorization": f"Bearer {token}"}
            opened = await http.post(base + "/api/v1/transit/account", headers=auth,
                                     json={"payment_method": "deduction",
                                           "accept_terms": True})  # fmt: skip
            assert opened.status in (201, 409), await opened.text()
        code = _get("/api/v1/transit/code", f"Authorization: Bearer {token}\r\n")
        await _hammer(palm, code, 0.5)  # warm caches
        await _hammer(hello, _get("/"), 0.5)
        ratios, floors, best_code, best_hello = [], [], 0.0, 0.0
        for _ in range(ROUNDS):
            h = await _hammer(hello, _get("/"), ROUND_SECONDS)
            c = await _hammer(palm, code, ROUND_SECONDS)
            # The app's own floor: /healthz passes the same middlewares and rate limit.
            f = await _hammer(palm, _get("/healthz"), ROUND_SECONDS / 2)
            ratios.append(c / h)
            floors.append(f / h)
            best_code, best_hello = max(best_code, c), max(best_hello, h)
        taps = await _ingest(palm, data_dir, token)
    ratio = statistics.median(ratios)
    return {"code_per_s": best_code, "hello_per_s": best_hello, "ratio": ratio,
            "healthz_ratio": statistics.median(floors),
            "ok": ratio >= TARGET_RATIO, **taps}  # fmt: skip


async def _ingest(port: int, data_dir: Path, token: str) -> dict[str, Any]:
    """Upload TAP_BATCHES batches from UPLOADERS validators at once, signed as bus-101."""
    from cryptography.hazmat.primitives import serialization

    from services.demo import device_key_path
    from services.identity import devices

    key = serialization.load_pem_private_key(
        device_key_path(data_dir, "bus-101").read_bytes(), None
    )
    url = f"http://127.0.0.1:{port}/api/v1/devices/taps"
    async with aiohttp.ClientSession() as http:
        code = await http.get(f"http://127.0.0.1:{port}/api/v1/transit/code",
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        text = (await code.json())["code"]
        now = datetime.now(UTC).isoformat()
        bodies = [
            json.dumps({"taps": [{"tap_id": f"b{b}-{i}-{secrets.token_hex(4)}", "code": text,
                                  "line": "1", "vehicle": "鲁K-01234", "stop": "火车站",
                                  "tapped_at": now, "shown_result": "ok"}
                                 for i in range(TAP_SIZE)]}).encode()
            for b in range(TAP_BATCHES)
        ]  # fmt: skip
        queue = list(bodies)

        async def uploader() -> None:
            while queue:
                body = queue.pop()
                headers = devices.sign_request(key, "bus-101", "POST", "/api/v1/devices/taps",  # type: ignore[arg-type]
                                               body, nonce=secrets.token_urlsafe(16))  # fmt: skip
                async with http.post(
                    url, data=body, headers={**headers, "Content-Type": "application/json"}
                ) as resp:
                    assert resp.status == 202, await resp.text()

        started = time.perf_counter()
        await asyncio.gather(*(uploader() for _ in range(UPLOADERS)))
        elapsed = time.perf_counter() - started
    rate = TAP_BATCHES * TAP_SIZE / elapsed
    return {"taps_per_s": rate, "taps_ok": rate >= TARGET_TAPS}


async def reverification(data_dir: Path) -> dict[str, Any]:
    """100,000 disability cards due, checked against 爱山东 in another process."""
    from integrations.aishandong.client import AiShandongClient
    from integrations.base import Platform
    from palm import storage
    from palm.app import create_app
    from services.transit import reverification as job

    settings = bench_settings(data_dir)
    app = create_app(settings)  # type: ignore[arg-type]
    async with _server("aishandong", data_dir) as port:
        from aiohttp.test_utils import TestServer

        server = TestServer(app)
        await server.start_server()
        try:
            from palm import keys

            deps = app[keys.DEPS]
            platform = Platform(
                "aishandong", f"http://127.0.0.1:{port}", "palm-bench", SECRET, 10.0
            )
            from dataclasses import replace

            deps = replace(deps, aishandong=AiShandongClient(app[keys.HTTP], platform))
            now = datetime.now(UTC)
            await _cards(deps.cipher, now)
            started = time.perf_counter()
            checked = await job.reverify_due(deps, now=now + timedelta(days=1))
            elapsed = time.perf_counter() - started
        finally:
            await server.close()
    del storage
    return {
        "cards": checked,
        "cards_seconds": elapsed,
        "cards_ok": checked == PEOPLE and elapsed < TARGET_CARDS_SECONDS,
    }


async def _cards(cipher: Any, now: datetime) -> None:
    """PEOPLE accounts, each with a disability card due today (set up, not timed)."""
    import uuid

    from codes.fields import Group
    from models.identity.residents import Resident
    from models.transit.accounts import PaymentMethod, TransitAccount
    from models.transit.cards import CardKind, SpecialCard

    payer = await Resident.create(openid=f"bench-{secrets.token_hex(8)}")
    for start in range(0, PEOPLE, 5000):
        accounts, cards = [], []
        for i in range(start, min(PEOPLE, start + 5000)):
            number, account_id = person_number(i), uuid.uuid4()
            accounts.append(TransitAccount(
                id=account_id, rider_hash=f"bench-{i}-{secrets.token_hex(4)}",
                rider_id_number_enc=cipher.encrypt(number, field="id_number"),
                rider_birth_date=datetime(1970, 1, 1).date(), payer_id=payer.id,
                payment_method=PaymentMethod.DEDUCTION, terms_version="bench",
            ))  # fmt: skip
            cards.append(SpecialCard(
                id=uuid.uuid4(), account_id=account_id, kind=CardKind.DISABILITY,
                group=int(Group.DISABILITY), valid_until=now.date() + timedelta(days=30),
                next_check_at=now, certificate_no=number + "42", certificate_issuer_code="371002",
            ))  # fmt: skip
        await TransitAccount.bulk_create(accounts)
        await SpecialCard.bulk_create(cards)


async def _run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="palm-bench-") as tmp:
        data_dir = Path(tmp)
        await _reset(data_dir)
        results = await codes_against_hello(data_dir)
        results.update(await reverification(data_dir))
    return results


async def _reset(data_dir: Path) -> None:
    from tortoise.context import TortoiseContext

    from palm import storage

    settings = bench_settings(data_dir)
    url = settings.database_url  # type: ignore[attr-defined]
    if url.startswith("postgres") and "test" not in url.rsplit("/", 1)[-1]:
        raise SystemExit("DATABASE_URL must name a scratch database with 'test' in it")
    async with TortoiseContext() as ctx:
        await ctx.init(config=storage.tortoise_config(settings))  # type: ignore[arg-type]
        if url.startswith("postgres"):
            await ctx.connections.get("default").execute_script(
                "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
            )
        await ctx.generate_schemas(safe=True)
        await ctx.close_connections()
    if os.environ.get("REDIS_URL"):
        from redis.asyncio import Redis

        redis = Redis.from_url(os.environ["REDIS_URL"])
        await redis.flushdb()
        await redis.aclose()


def main(*, json_output: bool = False) -> int:
    """Print the figures; non-zero when a target is missed."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get(
        "REDIS_URL"
    ):
        print("transit: set DATABASE_URL (PostgreSQL) and REDIS_URL; the targets are for those")
    r = asyncio.run(_run())
    ok = r["ok"] and r["taps_ok"] and r["cards_ok"]
    if json_output:
        print(json.dumps({"transit": r}, indent=2))
        return 0 if ok else 1
    verdict = {True: "ok", False: "BELOW TARGET"}
    print("transit: same run, this machine")
    print(
        f"tap ingestion, batches of {TAP_SIZE}: {r['taps_per_s']:9.0f} taps/s  "
        f"(target {TARGET_TAPS}) {verdict[r['taps_ok']]}"
    )
    print(
        f"ride code GET:  {r['code_per_s']:9.0f} req/s   bare aiohttp hello: "
        f"{r['hello_per_s']:9.0f} req/s   ratio {r['ratio']:.3f} (median of {ROUNDS}; "
        f"target {TARGET_RATIO}) {verdict[r['ok']]}"
    )
    print(f"  (the app's floor: GET /healthz at {r['healthz_ratio']:.3f} of hello)")
    print(
        f"re-verification: {r['cards']} cards in {r['cards_seconds']:.1f} s "
        f"(target {TARGET_CARDS_SECONDS:.0f} s) {verdict[r['cards_ok']]}"
    )
    return 0 if ok else 1
