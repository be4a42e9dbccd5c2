"""Servers under test, each in its own process: ``palm serve`` on PostgreSQL and Redis, and a bare
aiohttp "hello" app as the baseline; memory read from /proc.

The scratch database ``palm_test_proof_bench_<pid>`` is created here and dropped afterwards;
Redis database 10 is flushed before the run. Everything listens on loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg  # type: ignore[import-untyped]
from aiohttp import web
from redis.asyncio import Redis

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[1]
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
# Limits far above what a run can send: the checks still run (and cost), they never refuse.
_UNLIMITED = "100000000/60"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in task.read_text().split()]
    return found


def status_kb(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


@dataclass
class Server:
    """A server process (and its children, for ``--workers``), reachable at ``url``."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path
    data_dir: Path = field(default_factory=Path)
    peak_kb: int = field(default=0)

    def tree(self) -> list[int]:
        pids, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            todo += _children(pid)
        return pids

    def rss_kb(self) -> int:
        """Resident memory of the whole process tree now."""
        return sum(status_kb(pid, "VmRSS") for pid in self.tree())

    def sample(self) -> int:
        rss = self.rss_kb()
        self.peak_kb = max(self.peak_kb, rss)
        return rss

    def high_water_kb(self) -> int:
        """The kernel's own peak (VmHWM), summed over the processes alive now."""
        return sum(status_kb(pid, "VmHWM") for pid in self.tree())

    async def wait_ready(self, path: str, seconds: float = 90.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        async with aiohttp.ClientSession() as session:
            while loop.time() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited early:\n{self.tail()}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with session.get(self.url + path) as resp:
                        if resp.status == 200:
                            return
                await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer {path} in {seconds:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 15) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> int:
        """SIGTERM (graceful), then SIGKILL if it does not exit within 30 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def _spawn(name: str, argv: list[str], env: dict[str, str], workdir: Path) -> Server:
    port = free_port()
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [*argv, "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
        )
    return Server(name, process, f"http://{HOST}:{port}", log)


def palm_command() -> list[str]:
    script = Path(sys.executable).with_name("palm")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from palm.cli import main; main()"]


def palm_env(database_url: str, redis_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a benchmarked ``palm serve``: development mode, simulators embedded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PALM_", "DATABASE_URL"))}
    env.update(
        PALM_ENV="development",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        PALM_AUTO_MIGRATE="0",
        PALM_SEED_DEMO="1",
        PALM_DATA_DIR=str(data_dir),
        PALM_LOG_LEVEL="WARNING",
        **{f"PALM_RATE_{name}": _UNLIMITED for name in ("IP", "RESIDENT", "DEVICE", "LOGIN")},
    )
    env.update(extra)
    return env


async def create_schema(database_url: str) -> None:
    """Build the tables from the models, as the test suite does."""
    from tortoise.context import TortoiseContext

    from palm import storage
    from palm.settings import Settings

    settings = Settings(env="development", database_url=database_url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=storage.tortoise_config(settings))
        await ctx.generate_schemas(safe=False)
        await ctx.close_connections()


@contextlib.asynccontextmanager
async def scratch_database(prefix: str = "palm_test_proof_bench") -> AsyncIterator[str]:
    """A new, empty PostgreSQL database with the schema; dropped on the way out."""
    name = f"{prefix}_{os.getpid()}"
    admin = await asyncpg.connect(f"{POSTGRES}/postgres", timeout=5)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = f"{POSTGRES}/{name}"
        await create_schema(url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def flush_redis(url: str = REDIS) -> None:
    redis = Redis.from_url(url, socket_connect_timeout=3)
    try:
        await redis.flushdb()
    finally:
        await redis.aclose()


@contextlib.asynccontextmanager
async def servers(workers: int = 1) -> AsyncIterator[tuple[Server, Server]]:
    """``palm serve`` on a scratch database and Redis db 10, and the hello baseline."""
    await flush_redis()
    async with scratch_database() as database_url:
        with tempfile.TemporaryDirectory(prefix="palm-bench-") as tmp:
            workdir = Path(tmp)
            env = palm_env(database_url, REDIS, workdir / "data")
            palm = _spawn(
                "palm", [*palm_command(), "serve", "--workers", str(workers)], env, workdir
            )
            palm.data_dir = workdir / "data"
            hello = _spawn("hello", [sys.executable, "-m", "bench.server", "--hello"], env, workdir)
            try:
                await hello.wait_ready("/")
                await palm.wait_ready("/readyz")
                yield palm, hello
            finally:
                palm.stop()
                hello.stop()
                await flush_redis()


@contextlib.contextmanager
def sampling(*targets: Server, every: float = 0.05) -> Iterator[None]:
    """Sample the targets' memory in a thread while the block runs (the loop stays free)."""
    import threading

    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            for target in targets:
                target.sample()
            stop.wait(every)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def hello_app() -> web.Application:
    """The baseline: one route answering a constant, no middleware at all."""

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hello")

    app = web.Application()
    app.router.add_get("/", hello)
    return app


def _serve_hello(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.server")
    parser.add_argument("--hello", action="store_true", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    web.run_app(hello_app(), host=HOST, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    _serve_hello()
