"""Throwaway servers for the proof tests: ``palm serve``, redis-server and a PostgreSQL cluster,
each on a free loopback port, each stopped and removed by the test that started it."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[2]
_MAIN = "from palm.cli import main; main()"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, *, up: bool = True, seconds: float = 20.0) -> None:
    """Wait until something accepts connections on ``port`` (or, with up=False, nothing does)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if (sock.connect_ex((HOST, port)) == 0) == up:
                return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} still {'closed' if up else 'open'} after {seconds} s")


def palm_command(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("palm")
    head = [str(script)] if script.exists() else [sys.executable, "-c", _MAIN]
    return [*head, *args]


def palm_env(**values: str) -> dict[str, str]:
    """The test process's environment without palm's variables, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PALM_")}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(PALM_ENV="development", PALM_LOG_LEVEL="WARNING", **values)
    return env


class RedisServer:
    """redis-server on a free port, persisted with an append-only file so a restart keeps data."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        argv = [self.binary, "--port", str(self.port), "--bind", HOST, "--save", "",
                "--appendonly", "yes", "--appendfsync", "always",
                "--dir", str(self.workdir)]  # fmt: skip
        quiet = subprocess.DEVNULL
        self.process = subprocess.Popen(argv, stdout=quiet, stderr=quiet)  # noqa: S603
        wait_port(self.port)

    def kill(self) -> None:
        """Crash it (SIGKILL): connections drop at once, as in a real outage."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        wait_port(self.port, up=False)


class PostgresCluster:
    """A scratch PostgreSQL cluster (initdb + pg_ctl) in ``workdir``, trust auth on loopback."""

    def __init__(self) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        initdb = found[-1] if found else shutil.which("initdb")
        if initdb is None:
            pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.bin = Path(initdb).parent
        self.prefix: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no 'postgres' user to run initdb as")
            self.prefix = ["runuser", "-u", "postgres", "--"]
        # Not under pytest's tmp_path: its parents are private to us, and the server runs as
        # the postgres user.
        self.workdir = Path(tempfile.mkdtemp(prefix="palm-proof-pg-"))
        self.workdir.chmod(0o777)
        self.port = free_port()
        self.data = self.workdir / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/postgres"

    def _run(self, *argv: str) -> None:
        subprocess.run([*self.prefix, *argv], check=True, capture_output=True, timeout=60)  # noqa: S603

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "-A", "trust", "--no-sync", "-E", "UTF8")  # fmt: skip

    def start(self) -> None:
        # fsync off: these tests crash the server process, not the machine, so the kernel
        # still holds every committed write.
        options = f"-p {self.port} -k {self.workdir} -c listen_addresses={HOST} -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.workdir / "log"), "-w", "start")  # fmt: skip
        wait_port(self.port)

    def stop(self, mode: str = "immediate") -> None:
        """``immediate`` is a crash for the clients: connections are cut without goodbye."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        wait_port(self.port, up=False)


@contextlib.contextmanager
def postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            shutil.rmtree(cluster.workdir, ignore_errors=True)


@contextlib.contextmanager
def redis(workdir: Path) -> Iterator[RedisServer]:
    server = RedisServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def create_schema(database_url: str) -> None:
    """Tables built from the models, as the suite builds its own (migrations are tested apart).

    In a child process: Tortoise caches SQL per model, so one process must not switch between
    SQLite and PostgreSQL.
    """
    code = (
        "import asyncio, sys\n"
        "from tortoise.context import TortoiseContext\n"
        "from palm import storage\n"
        "from palm.settings import Settings\n"
        "async def main():\n"
        "    async with TortoiseContext() as ctx:\n"
        "        settings = Settings(database_url=sys.argv[1])\n"
        "        await ctx.init(config=storage.tortoise_config(settings))\n"
        "        await ctx.generate_schemas(safe=False)\n"
        "        await ctx.close_connections()\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", code, database_url], check=True, cwd=ROOT, timeout=120)  # noqa: S603


class PalmServer:
    """``palm serve`` in a child process on a free port; its output goes to ``log``."""

    def __init__(self, env: dict[str, str], log: Path, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log = log
        argv = palm_command("serve", "--host", HOST, "--port", str(self.port), *args)
        with log.open("wb") as out:
            self.process = subprocess.Popen(argv, env=env, stdout=out, stderr=out, cwd=ROOT)  # noqa: S603

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, seconds: float = 90.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "palm serve exited:\n" + self.output()
            with socket.socket() as sock:
                if sock.connect_ex((HOST, self.port)) == 0:
                    return
            time.sleep(0.1)
        raise AssertionError("palm serve did not come up:\n" + self.output())

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
