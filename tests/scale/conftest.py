"""Real Redis Cluster and Sentinel set-ups for the tests of this folder, started once a session.

Cluster: three masters on ports 7100-7102 joined by ``redis-cli --cluster create``. Sentinel:
a master on 7110, its replica on 7111, three sentinels on 7120-7122 watching service "palm".
Every server runs in a scratch folder without persistence and is stopped at the end.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from palm.app import create_app
from palm.settings import Settings
from tests.conftest import _truncate_all

CLUSTER_PORTS = (7100, 7101, 7102)
MASTER, REPLICA, SENTINELS = 7110, 7111, (7120, 7121, 7122)
SERVICE = "palm"
CLUSTER_URL = "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in CLUSTER_PORTS)
SENTINEL_URL = "redis+sentinel://" + ",".join(f"127.0.0.1:{p}" for p in SENTINELS) + f"/{SERVICE}/0"

_SERVER = shutil.which("redis-server")
_CLI = shutil.which("redis-cli")
needs_redis_server = pytest.mark.skipif(
    not (_SERVER and _CLI), reason="redis-server and redis-cli are not installed (CI has them)"
)


def _cli(port: int, *args: str, check: bool = True) -> str:
    assert _CLI
    done = subprocess.run(  # noqa: S603 (our own arguments)
        [_CLI, "-h", "127.0.0.1", "-p", str(port), *args],
        capture_output=True, text=True, timeout=30, check=check,
    )  # fmt: skip
    return done.stdout.strip()


def _wait(what: str, ready: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            if ready():  # type: ignore[operator]
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {seconds} s")


class _Servers:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.procs: dict[int, subprocess.Popen[bytes]] = {}

    def start(self, port: int, *args: str, sentinel: bool = False) -> None:
        assert _SERVER
        folder = self.root / str(port)
        folder.mkdir()
        conf = folder / "redis.conf"
        lines = [f"port {port}", "bind 127.0.0.1", "save ''", "appendonly no", f"dir {folder}"]
        conf.write_text("\n".join([*lines, *args]) + "\n")
        cmd = [_SERVER, str(conf), *(["--sentinel"] if sentinel else [])]
        log = (folder / "log").open("wb")
        self.procs[port] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        _wait(f"redis on {port}", lambda: _cli(port, "ping", check=False) == "PONG")

    def stop(self, port: int) -> None:
        proc = self.procs.pop(port)
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop_all(self) -> None:
        for port in list(self.procs):
            self.stop(port)


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[str]:
    """The URL of a fresh three-master Redis Cluster."""
    if not (_SERVER and _CLI):
        pytest.skip("redis-server and redis-cli are not installed (CI has them)")
    with tempfile.TemporaryDirectory(prefix="palm-cluster-") as tmp:
        servers = _Servers(Path(tmp))
        try:
            for port in CLUSTER_PORTS:
                servers.start(port, "cluster-enabled yes", f"cluster-config-file {tmp}/{port}.conf",
                              "cluster-node-timeout 2000")  # fmt: skip
            nodes = [f"127.0.0.1:{p}" for p in CLUSTER_PORTS]
            _cli(CLUSTER_PORTS[0], "--cluster", "create", *nodes, "--cluster-yes")
            _wait("the cluster", lambda: all(
                "cluster_state:ok" in _cli(p, "cluster", "info") for p in CLUSTER_PORTS
            ))  # fmt: skip
            yield CLUSTER_URL
        finally:
            servers.stop_all()


@dataclasses.dataclass
class SentinelSet:
    url: str
    servers: _Servers

    def master_port(self) -> int:
        found = _cli(SENTINELS[0], "sentinel", "get-master-addr-by-name", SERVICE)
        return int(found.split()[-1])

    def failover(self) -> int:
        """Make the replica the master (SENTINEL FAILOVER); the new master's port."""
        before = self.master_port()
        _cli(SENTINELS[0], "sentinel", "failover", SERVICE)
        _wait("the failover", lambda: self.master_port() != before, 30)
        after = self.master_port()
        _wait("the new master", lambda: "role:master" in _cli(after, "info", "replication"), 30)
        # Until the sentinels turn the old master into a replica (seconds later), it still
        # takes the writes of connections opened before: both would be masters.
        _wait("the old master's demotion",
              lambda: "role:slave" in _cli(before, "info", "replication"), 60)  # fmt: skip
        return after


@pytest.fixture(scope="session")
def redis_sentinel() -> Iterator[SentinelSet]:
    """A master, its replica and three sentinels watching them."""
    if not (_SERVER and _CLI):
        pytest.skip("redis-server and redis-cli are not installed (CI has them)")
    with tempfile.TemporaryDirectory(prefix="palm-sentinel-") as tmp:
        servers = _Servers(Path(tmp))
        try:
            servers.start(MASTER)
            servers.start(REPLICA, f"replicaof 127.0.0.1 {MASTER}")
            for port in SENTINELS:
                servers.start(port, f"sentinel monitor {SERVICE} 127.0.0.1 {MASTER} 2",
                              f"sentinel down-after-milliseconds {SERVICE} 2000",
                              f"sentinel failover-timeout {SERVICE} 10000",
                              sentinel=True)  # fmt: skip
            linked = "master_link_status:up"
            _wait("the replica", lambda: linked in _cli(REPLICA, "info", "replication"))
            _wait("the sentinels", lambda: all(
                "num-other-sentinels" in (s := _cli(p, "sentinel", "master", SERVICE))
                and s.split("num-other-sentinels")[1].split()[0] == "2"
                for p in SENTINELS
            ), 30)  # fmt: skip
            yield SentinelSet(SENTINEL_URL, servers)
        finally:
            servers.stop_all()


async def _client_for(aiohttp_client, settings: Settings, url: str) -> AsyncIterator[TestClient]:  # type: ignore[no-untyped-def]
    from palm import redis_url

    redis = redis_url.open_client(url)
    await redis.flushall()
    await redis.aclose()
    test_client = await aiohttp_client(create_app(dataclasses.replace(settings, redis_url=url)))
    try:
        yield test_client
    finally:
        await _truncate_all()


@pytest.fixture
async def cluster_client(  # type: ignore[no-untyped-def]
    aiohttp_client, base_settings: Settings, redis_cluster: str
) -> AsyncIterator[TestClient]:
    async for c in _client_for(aiohttp_client, base_settings, redis_cluster):
        yield c


@pytest.fixture
async def sentinel_client(  # type: ignore[no-untyped-def]
    aiohttp_client, base_settings: Settings, redis_sentinel: SentinelSet
) -> AsyncIterator[TestClient]:
    async for c in _client_for(aiohttp_client, base_settings, redis_sentinel.url):
        yield c
