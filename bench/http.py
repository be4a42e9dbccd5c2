"""Hot endpoints under load, each against a bare aiohttp "hello" measured in the same run.

``palm serve`` runs on PostgreSQL and Redis in its own process, the baseline in another, both
on loopback; our own load client (bench/load.py) keeps N connections busy. Hello is measured
first and last and the rows are compared with the mean of the two, so load from anything
else on the machine is visible as a difference between them.

Targets (issue 10): p99 under 50 ms at 64 connections for every hot endpoint; redemption and
waiver at 25 % or more of hello's requests/s; server memory (RSS) under 300 MB.

An endpoint is measured when its route is in /openapi.json and it has a request factory; see
bench/hot.py for how to write one.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp
import asyncpg  # type: ignore[import-untyped]
from redis.exceptions import RedisError

from bench import hot, load, server

TARGET_P99_MS = 50.0
TARGET_RSS_MB = 300.0


@dataclass
class Row:
    name: str
    note: str = ""  # why it was not measured
    per_second: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    peak_mb: float = 0.0
    ok_fraction: float = 1.0
    statuses: dict[int, int] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)  # against hello
    gaps: list[str] = field(default_factory=list)  # targets missed
    note_after: str = ""  # printed after the verdict

    @property
    def measured(self) -> bool:
        return not self.note


def _row(name: str, result: load.Result, peak_kb: int) -> Row:
    return Row(
        name,
        per_second=result.per_second,
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        peak_mb=peak_kb / 1024,
        ok_fraction=result.ok_fraction,
        statuses=dict(result.statuses),
    )


async def _measure(
    target: server.Server, name: str, prepared: hot.Prepared, args: argparse.Namespace
) -> Row:
    """A short warm-up, then the timed run with memory sampled all along."""
    warm = prepared.warmup if prepared.warmup is not None else args.connections * 4
    if prepared.limit is not None:
        warm = min(warm, prepared.limit // 5)
    if warm:
        await load.run(target.url, prepared.factory, connections=args.connections, requests=warm)
    target.peak_kb = 0
    with server.sampling(target):
        result = await load.run(
            target.url,
            prepared.offset(warm),
            connections=args.connections,
            duration=args.duration,
            requests=None if prepared.limit is None else prepared.limit - warm,
        )
    return _row(name, result, target.peak_kb)


def _compare(row: Row, hello: Row, endpoint: hot.Endpoint) -> None:
    row.ratios = {
        "per_second": row.per_second / hello.per_second,
        "p50": row.p50_ms / hello.p50_ms,
        "p99": row.p99_ms / hello.p99_ms,
        "memory": row.peak_mb / hello.peak_mb,
    }
    if endpoint.p99_target and row.p99_ms >= TARGET_P99_MS:
        row.gaps.append(f"p99 {row.p99_ms:.1f} ms >= {TARGET_P99_MS:.0f}")
    if endpoint.min_ratio is not None and row.ratios["per_second"] < endpoint.min_ratio:
        row.gaps.append(f"{row.ratios['per_second']:.2f} x hello < {endpoint.min_ratio:.2f}")
    if row.peak_mb >= TARGET_RSS_MB:
        row.gaps.append(f"RSS {row.peak_mb:.0f} MB >= {TARGET_RSS_MB:.0f}")
    if endpoint.items > 1:
        row.note_after = f"= {row.per_second * endpoint.items:.0f} items/s"
    if row.ok_fraction < 0.99:
        bad = {s: n for s, n in row.statuses.items() if s >= 400}
        row.gaps.append(f"errors {bad}")


async def run(args: argparse.Namespace) -> tuple[list[Row], Row, dict[str, Any]]:
    """Every row, the hello baseline (mean of first and last) and facts about the run."""
    wanted = getattr(args, "row", None) or [""]
    endpoints = [e for e in hot.ENDPOINTS if any(w in e.name for w in wanted)]
    async with server.servers(workers=args.workers) as (palm, hello):
        hello_factory = hot.Prepared(load.fixed(load.Request("GET", "/")))
        first = await _measure(hello, "hello", hello_factory, args)
        async with aiohttp.ClientSession(palm.url) as session:
            context = hot.Context(session, palm.url, palm.data_dir)
            documented = await context.documented()
            rows = []
            for endpoint in endpoints:
                rows.append(await _endpoint_row(palm, context, documented, endpoint, args))
        last = await _measure(hello, "hello", hello_factory, args)
        baseline = _mean(first, last)
        for endpoint, row in zip(endpoints, rows, strict=True):
            if row.measured:
                _compare(row, baseline, endpoint)
        facts = {
            "palm_high_water_mb": palm.high_water_kb() / 1024,
            "hello_first_per_second": first.per_second,
            "hello_last_per_second": last.per_second,
        }
    return rows, baseline, facts


async def _endpoint_row(
    palm: server.Server,
    context: hot.Context,
    documented: set[tuple[str, str]],
    endpoint: hot.Endpoint,
    args: argparse.Namespace,
) -> Row:
    if (endpoint.method, endpoint.path) not in documented:
        return Row(endpoint.name, note="not measured: endpoint not built yet")
    if endpoint.prepare is None:
        return Row(endpoint.name, note="not measured: no request factory yet (bench/hot.py)")
    try:
        prepared = await endpoint.prepare(context)
    except hot.NotReady as exc:
        return Row(endpoint.name, note=f"not measured: {exc}")
    return await _measure(palm, endpoint.name, prepared, args)


def _mean(a: Row, b: Row) -> Row:
    return Row(
        "hello (bare aiohttp)",
        per_second=(a.per_second + b.per_second) / 2,
        p50_ms=(a.p50_ms + b.p50_ms) / 2,
        p99_ms=(a.p99_ms + b.p99_ms) / 2,
        peak_mb=max(a.peak_mb, b.peak_mb),
    )


def _line(row: Row) -> str:
    head = f"{row.name:34}"
    if not row.measured:
        return f"{head} {row.note}"
    r = row.ratios
    cells = (
        f"{row.per_second:8.0f} {_x(r.get('per_second'))} "
        f"{row.p50_ms:7.2f} {_x(r.get('p50'))} {row.p99_ms:7.2f} {_x(r.get('p99'))} "
        f"{row.peak_mb:7.0f} {_x(r.get('memory'))}"
    )
    verdict = "; ".join(row.gaps) if row.gaps else ("ok" if r else "")
    return f"{head} {cells}  {verdict} {row.note_after}".rstrip()


def _x(ratio: float | None) -> str:
    return f"{ratio:6.2f}x" if ratio is not None else " " * 7


def _print(rows: list[Row], hello: Row, facts: dict[str, Any], args: argparse.Namespace) -> None:
    load_avg = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(
        f"http: {args.connections} connections, {args.duration:g} s per row, "
        f"palm serve --workers {args.workers} on PostgreSQL + Redis, loopback, "
        f"{os.cpu_count()} cores, load average {load_avg}"
    )
    print(
        f"{'endpoint':34} {'req/s':>8} {'':7} {'p50 ms':>7} {'':7} {'p99 ms':>7} {'':7} "
        f"{'RSS MB':>7} {'':7}  verdict (ratios are x hello)"
    )
    print(_line(hello))
    for row in rows:
        print(_line(row))
    print(
        f"hello is the mean of runs first and last: {facts['hello_first_per_second']:.0f}/"
        f"{facts['hello_last_per_second']:.0f} req/s; palm serve peak RSS (VmHWM) "
        f"{facts['palm_high_water_mb']:.0f} MB (target < {TARGET_RSS_MB:.0f})"
    )


async def main(args: argparse.Namespace) -> int:
    """Print the table; non-zero when a measured row misses a target or nothing could run."""
    try:
        rows, hello, facts = await run(args)
    except (OSError, RuntimeError, asyncpg.PostgresError, RedisError) as exc:
        print(f"http: not measured: {type(exc).__name__}: {exc}")
        print(f"  (PostgreSQL at {server.POSTGRES}, Redis at {server.REDIS}; see bench/server.py)")
        return 1
    missed = [row.name for row in rows if row.gaps]
    if facts["palm_high_water_mb"] >= TARGET_RSS_MB:
        missed.append("palm serve RSS")
    if getattr(args, "json", False):
        rows_json = [asdict(row) for row in [hello, *rows]]
        print(json.dumps({"http": rows_json, "facts": facts, "missed": missed}, indent=2))
    else:
        _print(rows, hello, facts, args)
    return 1 if missed else 0
