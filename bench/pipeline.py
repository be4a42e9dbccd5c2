"""The request pipeline every request pays, measured with wrk against a bare aiohttp hello.

``wrk -t1 -c64 -d10s --latency`` (Debian package ``wrk``; installed with ``apt-get install -y
wrk`` when missing and we are root, otherwise the row says how) against, each in its own
process on loopback:

- hello: a bare aiohttp app, no middleware (``python -m bench.server --hello``);
- ``palm serve`` on PostgreSQL + Redis, logging at INFO as in production (lines go to a file),
  the platform simulators in a process of their own (``palm simulators``) so that the server's
  own cost is what is measured: ``GET /healthz`` (the whole middleware stack) and
  ``GET /api/v1/me`` with a logged-in demo resident's bearer token.

``--compare REF`` also serves ``REF`` (a git commit, checked out into a temporary worktree,
run with this virtualenv) and alternates: each round measures hello, then REF and this tree in
turn, so both meet the same background load; ``--rounds N`` rounds, the median of each figure
is printed. ``--wrk-duration`` sets wrk's seconds (10 by default).

Targets (issue 15): /healthz at 0.70 of hello or more, /api/v1/me at 0.30 or more, p99 under
50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench import server

TARGETS = {"/healthz": 0.70, "/api/v1/me": 0.30}
TARGET_P99_MS = 50.0
PATHS = ("/healthz", "/api/v1/me")


@dataclass
class Figure:
    per_second: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers plus socket errors


def ensure_wrk() -> str:
    """The wrk binary; installed from Debian when missing and we may (root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)  # noqa: S607
        found = shutil.which("wrk")
        if found:
            return found
    raise RuntimeError("wrk not found: install it (Debian/Ubuntu: sudo apt-get install -y wrk)")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(text: str) -> Figure:
    """Requests/sec, the 99th percentile latency and the error count from wrk --latency."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p99 = re.search(r"^\s*99(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\b", text, re.MULTILINE)
    if rate is None or p99 is None:
        raise RuntimeError(f"wrk output not understood:\n{text}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", text))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       text)  # fmt: skip
    if socket:
        errors += sum(int(n) for n in socket.groups())
    return Figure(float(rate.group(1)), float(p99.group(1)) * _UNITS[p99.group(2)], errors)


async def wrk(
    binary: str, url: str, headers: dict[str, str], seconds: int, connections: int
) -> Figure:
    argv = [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    process = await asyncio.create_subprocess_exec(
        *argv, url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await process.communicate()
    return parse_wrk(out.decode(errors="replace"))


@dataclass
class Target:
    """One palm serve (this tree or a checked-out commit) with its simulators apart."""

    label: str
    root: Path
    palm: server.Server | None = None
    sims: server.Server | None = None
    token: str = ""
    figures: dict[str, list[Figure]] = field(default_factory=dict)


def _code_env(root: Path, env: dict[str, str]) -> dict[str, str]:
    """Run the code under ``root``: it comes first on the import path (before the editable)."""
    if root == server.ROOT:
        return env
    return {**env, "PYTHONPATH": str(root)}


def _python_palm(root: Path) -> list[str]:
    if root == server.ROOT:
        return server.palm_command()
    return [sys.executable, "-c", "from palm.cli import main; main()"]


async def _start(target: Target, database_url: str, workdir: Path) -> None:
    """``palm simulators`` on consecutive ports, then ``palm serve`` pointed at them."""
    from palm.settings import PLATFORM_APP_IDS

    api_port = server.free_port()
    count = len(PLATFORM_APP_IDS)
    # Below the kernel's ephemeral range (32768 and up), where outgoing connections of anything
    # else on the machine could take one of the consecutive ports before the simulators bind.
    sim_port = random.randrange(20000, 30000)
    while any(_busy(sim_port + i) for i in range(count)):
        sim_port = random.randrange(20000, 30000)
    data = workdir / "data"
    env = server.palm_env(database_url, server.REDIS, data, PALM_LOG_LEVEL="INFO")
    env["PALM_PUBLIC_URL"] = f"http://{server.HOST}:{api_port}"
    env["PALM_SIMULATORS_HOST"] = server.HOST
    env = _code_env(target.root, env)
    target.sims = _spawn_at(
        f"{target.label}-sims", [*_python_palm(target.root), "simulators"], env, workdir,
        target.root, sim_port,
    )  # fmt: skip
    await _listening(target.sims, [sim_port + i for i in range(len(PLATFORM_APP_IDS))])
    for offset, name in enumerate(PLATFORM_APP_IDS):
        env[f"PALM_{name.upper()}_URL"] = f"http://{server.HOST}:{sim_port + offset}"
    target.palm = _spawn_at(
        f"{target.label}-palm", [*_python_palm(target.root), "serve"], env, workdir,
        target.root, api_port,
    )  # fmt: skip
    target.palm.data_dir = data
    await target.palm.wait_ready("/readyz")
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            target.palm.url + "/api/v1/auth/login", json={"code": "demo-resident"}
        ) as resp,
    ):
        body = await resp.json()
        if resp.status != 200:
            raise RuntimeError(f"{target.label}: login answered {resp.status}: {body}")
        target.token = body["token"]


async def _listening(process: server.Server, ports: list[int], seconds: float = 60) -> None:
    for _ in range(int(seconds * 10)):
        if process.process.poll() is not None:
            raise RuntimeError(f"{process.name} exited early:\n{process.tail()}")
        if all(_busy(port) for port in ports):
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{process.name} did not listen in {seconds:.0f} s:\n{process.tail()}")


def _busy(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex((server.HOST, port)) == 0


def _spawn_at(
    name: str, argv: list[str], env: dict[str, str], workdir: Path, cwd: Path, port: int
) -> server.Server:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [*argv, "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
        )
    return server.Server(name, process, f"http://{server.HOST}:{port}", log)


def _git(*argv: str, check: bool = True) -> str:
    done = subprocess.run(  # noqa: S603 (git with our own arguments)
        ["git", *argv],  # noqa: S607
        cwd=server.ROOT, check=check, capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout.strip()


@contextlib.contextmanager
def _worktree(ref: str) -> Iterator[Path]:
    """``ref`` checked out (detached) in a temporary git worktree, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="palm-bench-ref-"))
    _git("worktree", "add", "--detach", str(path), ref)
    try:
        yield path
    finally:
        _git("worktree", "remove", "--force", str(path), check=False)


@contextlib.asynccontextmanager
async def _targets(compare: str | None) -> AsyncIterator[tuple[server.Server, list[Target]]]:
    await server.flush_redis()
    async with contextlib.AsyncExitStack() as stack:
        targets = []
        if compare:
            root = stack.enter_context(_worktree(compare))
            targets.append(Target(f"before ({_git('rev-parse', '--short', compare)})", root))
        targets.append(Target("after (this tree)" if compare else "palm", server.ROOT))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="palm-bench-")))
        env = server.palm_env("", server.REDIS, workdir)
        hello = _spawn_at(
            "hello", [sys.executable, "-m", "bench.server", "--hello"], env, workdir,
            server.ROOT, server.free_port(),
        )  # fmt: skip
        stack.callback(hello.stop)
        await hello.wait_ready("/")
        for index, target in enumerate(targets):
            url = await stack.enter_async_context(
                server.scratch_database(f"palm_test_pipeline_{index}")
            )
            tdir = workdir / f"t{index}"
            tdir.mkdir()
            stack.callback(lambda t=target: [s.stop() for s in (t.palm, t.sims) if s])
            await _start(target, url, tdir)
        stack.push_async_callback(server.flush_redis)
        yield hello, targets


async def run(args: argparse.Namespace) -> tuple[list[Figure], list[Target]]:
    binary = ensure_wrk()
    seconds, connections = args.wrk_duration, args.connections
    hello_figures: list[Figure] = []
    async with _targets(args.compare) as (hello, targets):
        for target in targets:  # a short warm-up: first requests pay imports and pools
            for path in PATHS:
                await wrk(binary, _url(target, path), _headers(target, path), 2, connections)
        for _ in range(args.rounds):
            hello_figures.append(await wrk(binary, hello.url + "/", {}, seconds, connections))
            for path in PATHS:
                for target in targets:
                    figure = await wrk(
                        binary, _url(target, path), _headers(target, path), seconds, connections
                    )
                    target.figures.setdefault(path, []).append(figure)
    return hello_figures, targets


def _url(target: Target, path: str) -> str:
    assert target.palm is not None
    return target.palm.url + path


def _headers(target: Target, path: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {target.token}"} if path.startswith("/api/") else {}


def _median(figures: list[Figure]) -> Figure:
    return Figure(
        statistics.median(f.per_second for f in figures),
        statistics.median(f.p99_ms for f in figures),
        sum(f.errors for f in figures),
    )


def report(hello_figures: list[Figure], targets: list[Target], args: argparse.Namespace) -> int:
    hello = _median(hello_figures)
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(
        f"pipeline: wrk -t1 -c{args.connections} -d{args.wrk_duration}s, {args.rounds} round(s), "
        f"median shown; one palm serve on PostgreSQL + Redis, INFO logs, simulators apart; "
        f"{os.cpu_count()} cores, load average {load}"
    )
    runs = " ".join(f"{f.per_second:.0f}" for f in hello_figures)
    print(f"{'row':34} {'req/s':>8} {'p99 ms':>8} {'x hello':>8}  verdict")
    print(f"{'hello (bare aiohttp)':34} {hello.per_second:8.0f} {hello.p99_ms:8.2f}  (runs {runs})")
    missed = 0
    for path in PATHS:
        for target in targets:
            figure = _median(target.figures[path])
            ratio = figure.per_second / hello.per_second
            gaps = []
            if ratio < TARGETS[path]:
                gaps.append(f"< {TARGETS[path]:.2f}")
            if figure.p99_ms >= TARGET_P99_MS:
                gaps.append(f"p99 >= {TARGET_P99_MS:.0f} ms")
            if figure.errors:
                gaps.append(f"{figure.errors} errors")
            missed += bool(gaps) and target.root == server.ROOT
            runs = " ".join(f"{f.per_second:.0f}" for f in target.figures[path])
            name = f"{path} {target.label}"
            print(
                f"{name:34} {figure.per_second:8.0f} {figure.p99_ms:8.2f} {ratio:8.2f}  "
                f"{'; '.join(gaps) or 'ok'}  (runs {runs})"
            )
    return 1 if missed else 0


async def main(args: argparse.Namespace) -> int:
    """Print the table; non-zero when this tree misses a target."""
    for name, default in (("compare", None), ("rounds", 1), ("wrk_duration", 10)):
        if not hasattr(args, name):
            setattr(args, name, default)
    if not hasattr(args, "connections"):
        args.connections = 64
    try:
        hello, targets = await run(args)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"pipeline: not measured: {type(exc).__name__}: {exc}")
        return 1
    return report(hello, targets, args)
