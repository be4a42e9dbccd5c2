"""Every request the palm services serve hot, measured against a bare aiohttp hello in one run.

Each in its own process on loopback: the baseline, a bare aiohttp app with no middleware
(``python -m bench.server --hello``); ``palm serve`` on PostgreSQL + Redis, logging at INFO as
in production (lines go to a file), with the platform simulators in a process of their own
(``palm simulators``) so that the server's own cost is what is measured. The rows, their
targets (issue 15) and how each is loaded are in bench/_rows.py:

- fixed requests (``/healthz``, the ride, talent and credit codes, ``/api/v1/me``, the
  medical record list from cache): ``wrk -t1 -c64 -d10s --latency`` (Debian package ``wrk``;
  installed with ``apt-get install -y wrk`` when missing and we are root, otherwise the row
  says how);
- requests that must each differ (a merchant's credit waiver and a talent redemption, each on
  a fresh single-use code; a signed, encrypted WeChat push with its own MsgId and nonce; tap
  batches of 1,000 with unique tap ids and a device signature over a fresh nonce): a pool
  built just before the timed run (codes expire in a minute or two) and sent by our own
  client (bench/load.py, the same 64 connections, closed loop like wrk; 8 validators for
  taps), which stops when the pool is spent, so the rate is what was answered over the time
  it took;
- ``ride-w2``: the ride code against ``palm serve --workers 2`` (same database, Redis and
  simulators), with its ratio to one worker's figure (target 1.7 or more).

Every row's ratio is to hello measured by wrk in the same round. Is the load generator the
bottleneck? wrk's one thread sends hello some 25,000-30,000 requests/s on this machine and the
rows it measures are far below that; our own client's ceiling is measured against hello in
every round too ("hello, own client" in the table): a pool row at more than half of that
ceiling is marked "client-bound?" in its verdict, since it may be measuring the client (none
was, in the runs so far: the pool rows answer 40-500 requests/s against a ceiling of
4,700-14,000, the busiest machine giving the lowest).

After the run the server's memory is read from /proc: VmRSS summed over its process tree
(every worker), target under 300 MB. p99 under 50 ms at 64 connections is part of every row's
verdict but the taps' (and /healthz's, as before). ``--rows healthz,me,ride`` measures only
those rows (names in bench/_rows.py; ``ride-w2`` brings ``ride`` along).

``--compare REF`` also serves ``REF`` (a git commit, checked out into a temporary worktree,
run with this virtualenv) and alternates: each round measures hello, then REF and this tree in
turn, so both meet the same background load; a row whose setup REF cannot do (an endpoint it
lacks) prints "n/a" with the reason. ``--rounds N`` rounds, the median of each figure is
printed. ``--wrk-duration`` sets the seconds of each timed run (10 by default).

The scratch databases are ``palm_test_pipeline_<n>_<pid>`` (dropped afterwards); the Redis
database, ``BENCH_REDIS_URL`` (db 10 by default), is flushed before and after the run.
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

from bench import _rows, load, server

TARGET_P99_MS = 50.0
TARGET_RSS_MB = 300.0
TARGET_WORKERS_GAIN = 1.7  # ride codes, --workers 2 against one worker
CLIENT_BOUND = 0.5  # a pool row above this fraction of the own client's ceiling


@dataclass
class Figure:
    per_second: float
    p99_ms: float
    errors: int  # answers of 400 and above plus socket errors
    seconds: float = 0.0  # pool rows: how long the run lasted
    requests: int = 0  # pool rows: requests answered
    detail: str = ""  # what the errors were


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
    refused = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", text))
    errors, detail = refused, [f"{refused} >= 400"] if refused else []
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       text)  # fmt: skip
    if socket:
        errors += sum(int(n) for n in socket.groups())
        names = ("connect", "read", "write", "timeout")
        detail += [
            f"{name} {n}" for name, n in zip(names, socket.groups(), strict=True) if n != "0"
        ]
    rate_s, p99_ms = float(rate.group(1)), float(p99.group(1)) * _UNITS[p99.group(2)]
    return Figure(rate_s, p99_ms, errors, detail=", ".join(detail))


async def wrk(
    binary: str, url: str, headers: dict[str, str], seconds: int, connections: int
) -> Figure:
    # --timeout: a slow answer is a latency to count, not an error (wrk's default is 2 s).
    argv = [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    process = await asyncio.create_subprocess_exec(
        *argv, url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await process.communicate()
    return parse_wrk(out.decode(errors="replace"))


def figure_of(result: load.Result) -> Figure:
    """A Figure from our own client's run."""
    refused = {status: n for status, n in sorted(result.statuses.items()) if status >= 400}
    detail = [f"{n} x {status}" for status, n in refused.items()]
    if result.errors:
        detail.append(f"{result.errors} without an answer")
    return Figure(
        result.per_second, result.p99_ms, sum(refused.values()) + result.errors,
        result.seconds, result.requests, ", ".join(detail),
    )  # fmt: skip


async def send_pool(url: str, pool: _rows.Pool, seconds: float, connections: int) -> Figure:
    """Send the pool's requests in order until spent or ``seconds`` pass."""
    result = await load.run(
        url, lambda n: pool.requests[n], connections=pool.connections or connections,
        duration=seconds, requests=len(pool.requests),
    )  # fmt: skip
    return figure_of(result)


@dataclass(frozen=True)
class Memory:
    """Of the processes that serve requests (the workers; not a supervising parent)."""

    processes: int
    rss_kb: int  # VmRSS summed: pages shared between workers count once per worker
    pss_kb: int  # proportional set size summed: shared pages split between their users
    parent_rss_kb: int = 0  # the supervisor of --workers N, apart


def _pss_kb(pid: int) -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def _helper(pid: int) -> bool:
    """multiprocessing's resource tracker: a child of the supervisor that serves nothing."""
    with contextlib.suppress(OSError):
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    return False


def memory_of(palm: server.Server, workers: int) -> Memory:
    """``palm serve``'s memory now, read from /proc: with --workers N, its children serve."""
    pids = palm.tree()
    serving = [pid for pid in pids[1:] if not _helper(pid)] if workers > 1 else pids
    return Memory(
        len(serving), sum(server.status_kb(pid, "VmRSS") for pid in serving),
        sum(_pss_kb(pid) for pid in serving),
        server.status_kb(pids[0], "VmRSS") if workers > 1 else 0,
    )  # fmt: skip


@dataclass
class Target:
    """One palm serve (this tree or a checked-out commit) with its simulators apart."""

    label: str
    root: Path
    palm: server.Server | None = None
    sims: server.Server | None = None
    palm2: server.Server | None = None  # palm serve --workers 2, for the ride-w2 row
    env: dict[str, str] = field(default_factory=dict)
    data_dir: Path = field(default_factory=Path)
    workdir: Path = field(default_factory=Path)
    figures: dict[str, list[Figure]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # row key -> why it is n/a
    memory: dict[int, Memory] = field(default_factory=dict)  # workers -> after the run

    def server_for(self, row: _rows.Row) -> server.Server | None:
        return self.palm2 if row.workers > 1 else self.palm


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
    target.env, target.data_dir, target.workdir = env, data, workdir
    await target.palm.wait_ready("/readyz")


async def _start_workers(target: Target, workers: int) -> None:
    """A second ``palm serve --workers N`` on the same database, Redis and simulators."""
    port = server.free_port()
    argv = [*_python_palm(target.root), "serve", "--workers", str(workers)]
    target.palm2 = _spawn_at(
        f"{target.label}-palm-w{workers}", argv, target.env, target.workdir, target.root, port
    )
    target.palm2.data_dir = target.data_dir
    await target.palm2.wait_ready("/readyz")


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
async def _targets(
    compare: str | None, workers: int
) -> AsyncIterator[tuple[server.Server, list[Target]]]:
    await server.flush_redis()
    async with contextlib.AsyncExitStack() as stack:
        # Registered first, so it runs last: a server still running would find its job
        # stream gone under it.
        stack.push_async_callback(server.flush_redis)
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
            stack.callback(lambda t=target: [stop_tree(s) for s in (t.palm2, t.palm, t.sims) if s])
            await _start(target, url, tdir)
            if workers > 1:
                try:
                    await _start_workers(target, workers)
                except RuntimeError as exc:  # REF may not know --workers
                    target.missing["ride-w2"] = f"--workers {workers} did not start: {exc}"[:200]
        yield hello, targets


def stop_tree(process: server.Server) -> None:
    """Stop the server, then any child it left behind (a worker outliving a supervisor that
    was killed after 30 s): SIGTERM, then SIGKILL after 5 s, by pid."""
    import signal
    import time

    children = process.tree()[1:]
    process.stop()

    def alive(pid: int) -> bool:
        with contextlib.suppress(OSError):  # gone, or the pid now names something else
            return b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()
        return False

    left = [pid for pid in children if alive(pid)]
    if not left:
        return
    print(f"pipeline: {process.name} left process(es) {left} behind: stopping them")
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 0.0)):
        for pid in left:
            if alive(pid):
                with contextlib.suppress(OSError):
                    os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(alive(pid) for pid in left):
            time.sleep(0.1)


async def _prepare(target: Target, row: _rows.Row, size: int) -> _rows.Fixed | _rows.Pool:
    """The row's requests on this target; NotReady (or a refused request) when it cannot."""
    palm = target.server_for(row)
    if palm is None:
        raise _rows.NotReady(target.missing.get(row.key, "no server"))
    async with aiohttp.ClientSession(palm.url) as session:
        ctx = _rows.Context(session, palm.url, target.data_dir, target.env)
        return await row.setup(ctx, size)


async def _measure(
    binary: str, target: Target, row: _rows.Row, args: argparse.Namespace, *, warm: bool
) -> Figure | None:
    """One timed run of the row (or a short warm-up); None, noting why, when it cannot run."""
    if row.key in target.missing:
        return None
    try:
        spec = await _prepare(target, row, min(row.pool, 100) if warm else row.pool)
    except (_rows.NotReady, aiohttp.ClientError, KeyError, TypeError) as exc:
        target.missing[row.key] = f"{type(exc).__name__}: {exc}"[:200]
        return None
    palm = target.server_for(row)
    assert palm is not None
    seconds = 2 if warm else args.wrk_duration
    if isinstance(spec, _rows.Fixed):
        return await wrk(binary, palm.url + spec.path, spec.headers, seconds, args.connections)
    return await send_pool(palm.url, spec, seconds, args.connections)


async def run(
    args: argparse.Namespace, rows: list[_rows.Row]
) -> tuple[list[Figure], list[Figure], list[Target]]:
    binary = ensure_wrk()
    seconds, connections = args.wrk_duration, args.connections
    hello_figures: list[Figure] = []
    client_figures: list[Figure] = []  # hello through our own client: its ceiling
    workers = max(row.workers for row in rows)
    pooled = any(row.pool for row in rows)
    async with _targets(args.compare, workers) as (hello, targets):
        for target in targets:  # a short warm-up: first requests pay imports and pools
            for row in rows:
                await _measure(binary, target, row, args, warm=True)
        for _ in range(args.rounds):
            hello_figures.append(await wrk(binary, hello.url + "/", {}, seconds, connections))
            if pooled:
                hello_request = load.fixed(load.Request("GET", "/"))
                client_figures.append(figure_of(await load.run(
                    hello.url, hello_request, connections=connections, duration=seconds
                )))  # fmt: skip
            for row in rows:
                for target in targets:
                    figure = await _measure(binary, target, row, args, warm=False)
                    if figure is not None:
                        target.figures.setdefault(row.key, []).append(figure)
        for target in targets:
            for palm in (target.palm, target.palm2):
                if palm is not None and palm.process.poll() is None:
                    count = 1 if palm is target.palm else workers
                    target.memory[count] = memory_of(palm, count)
    return hello_figures, client_figures, targets


def _median(figures: list[Figure]) -> Figure:
    return Figure(
        statistics.median(f.per_second for f in figures),
        statistics.median(f.p99_ms for f in figures),
        sum(f.errors for f in figures),
        statistics.median(f.seconds for f in figures),
        int(statistics.median(f.requests for f in figures)),
        "; ".join(f.detail for f in figures if f.detail),
    )


@dataclass
class Verdict:
    value: str  # "0.42 x hello", "12,345 taps/s"
    gaps: list[str]
    note: str = ""


def judge(
    row: _rows.Row, figure: Figure, hello: Figure, client: Figure | None, one_worker: Figure | None
) -> Verdict:
    """The row's figure against its targets: what is short, and why to doubt it."""
    gaps: list[str] = []
    ratio = figure.per_second / hello.per_second if hello.per_second else 0.0
    if row.items > 1:
        rate = figure.per_second * row.items
        value = f"{rate:,.0f}/s"
        if rate < row.target:
            gaps.append(f"< {row.target:,.0f}/s")
    else:
        value = f"{ratio:.2f}"
        if ratio < row.target:
            gaps.append(f"< {row.target:.2f}")
    if row.workers > 1:
        if one_worker is None or not one_worker.per_second:
            gaps.append("vs 1 worker n/a")
        else:
            gain = figure.per_second / one_worker.per_second
            value += f", {gain:.2f}x 1 worker"
            if gain < TARGET_WORKERS_GAIN:
                gaps.append(f"{gain:.2f}x 1 worker < {TARGET_WORKERS_GAIN}")
    if row.p99 and figure.p99_ms >= TARGET_P99_MS:
        gaps.append(f"p99 >= {TARGET_P99_MS:.0f} ms")
    if figure.errors:
        gaps.append(f"{figure.errors} errors ({figure.detail})" if figure.detail
                    else f"{figure.errors} errors")  # fmt: skip
    note = ""
    if row.pool:
        note = f"{figure.requests} in {figure.seconds:.1f} s"
        if client is not None and figure.per_second > CLIENT_BOUND * client.per_second:
            gaps.append("client-bound?")
    return Verdict(value, gaps, note)


def report(
    hello_figures: list[Figure], client_figures: list[Figure], targets: list[Target],
    rows: list[_rows.Row], args: argparse.Namespace,
) -> int:  # fmt: skip
    hello = _median(hello_figures)
    client = _median(client_figures) if client_figures else None
    load_average = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(
        f"pipeline: wrk -t1 -c{args.connections} -d{args.wrk_duration}s (pool rows: own client, "
        f"same connections; taps 8), {args.rounds} round(s), median shown; palm serve on "
        f"PostgreSQL + Redis, INFO logs, simulators apart; {os.cpu_count()} cores, "
        f"load average {load_average}"
    )
    print(f"{'row':48} {'req/s':>8} {'p99 ms':>8} {'x hello':>18} {'target':>8}  verdict")
    runs = " ".join(f"{f.per_second:.0f}" for f in hello_figures)
    print(f"{'hello (bare aiohttp, wrk)':48} {hello.per_second:8.0f} {hello.p99_ms:8.2f} "
          f"{1:>18}  (runs {runs})")  # fmt: skip
    if client is not None:
        print(f"{'hello, own client (its ceiling)':48} {client.per_second:8.0f} "
              f"{client.p99_ms:8.2f}")  # fmt: skip
    missed = 0
    for row in rows:
        target_text = f"{row.target:,.0f}/s" if row.items > 1 else f"{row.target:.2f}"
        for target in targets:
            name = f"{row.label} {target.label}" if len(targets) > 1 else row.label
            mine = target.root == server.ROOT
            figures = target.figures.get(row.key)
            if not figures:
                why = target.missing.get(row.key, "not measured")
                print(f"{name:48} {'n/a':>8} {'n/a':>8} {'n/a':>18} {target_text:>8}  {why}")
                missed += mine
                continue
            figure = _median(figures)
            ride = target.figures.get("ride")
            verdict = judge(row, figure, hello, client, _median(ride) if ride else None)
            missed += bool(verdict.gaps) and mine
            runs = " ".join(f"{f.per_second:.0f}" for f in figures)
            extra = f"; {verdict.note}" if verdict.note else ""
            print(
                f"{name:48} {figure.per_second:8.0f} {figure.p99_ms:8.2f} {verdict.value:>18} "
                f"{target_text:>8}  {'; '.join(verdict.gaps) or 'ok'}  (runs {runs}{extra})"
            )
    for target in targets:
        for workers, memory in sorted(target.memory.items()):
            mb = memory.rss_kb / 1024
            ok = "ok" if mb < TARGET_RSS_MB else f">= {TARGET_RSS_MB:.0f} MB"
            who = f" {target.label}" if len(targets) > 1 else ""
            parent = (f", supervisor apart {memory.parent_rss_kb / 1024:.0f} MB"
                      if memory.parent_rss_kb else "")  # fmt: skip
            print(f"server RSS after the run{who}, --workers {workers}: {mb:.0f} MB summed over "
                  f"{memory.processes} serving process(es) (PSS {memory.pss_kb / 1024:.0f} MB"
                  f"{parent}; target < {TARGET_RSS_MB:.0f} MB) {ok}")  # fmt: skip
            missed += mb >= TARGET_RSS_MB and target.root == server.ROOT
    return 1 if missed else 0


async def main(args: argparse.Namespace) -> int:
    """Print the table; non-zero when this tree misses a target."""
    defaults = {"compare": None, "rounds": 1, "wrk_duration": 10, "connections": 64,
                "rows": None}  # fmt: skip
    for name, default in defaults.items():
        if not hasattr(args, name):
            setattr(args, name, default)
    try:
        rows = _rows.select(args.rows)
    except ValueError as exc:
        print(f"pipeline: {exc}")
        return 2
    try:
        hello, client, targets = await run(args, rows)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"pipeline: not measured: {type(exc).__name__}: {exc}")
        return 1
    return report(hello, client, targets, rows, args)
