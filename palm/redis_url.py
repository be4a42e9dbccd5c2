"""The forms ``REDIS_URL`` takes, and the client each one opens.

- ``redis://[:password@]host:port/db`` (also ``rediss://``, ``unix://``): one server.
- ``redis+sentinel://[:password@]host:port[,host:port…]/service_name[/db]``: the sentinels,
  the master's service name (as in ``sentinel monitor <service_name> …``) and the db (0 if
  left out); the password is the Redis servers', not the sentinels'. Clients ask the
  sentinels for the master and follow it through a failover.
- ``redis+cluster://[:password@]host:port[,host:port…]``: any nodes of a Redis Cluster (the
  others are discovered); a cluster has only db 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast
from urllib.parse import unquote, urlsplit

from redis.asyncio import Redis, RedisCluster, Sentinel
from redis.asyncio.cluster import ClusterNode

Kind = Literal["single", "sentinel", "cluster"]
SINGLE_SCHEMES = ("redis", "rediss", "unix")


@dataclass(frozen=True, slots=True)
class RedisTarget:
    kind: Kind
    url: str
    nodes: tuple[tuple[str, int], ...] = ()
    service: str = ""
    db: int = 0
    password: str | None = None


def parse(url: str) -> RedisTarget:
    """Read ``REDIS_URL``; ValueError names what is wrong."""
    parts = urlsplit(url)
    if parts.scheme in SINGLE_SCHEMES:
        return RedisTarget("single", url)
    if parts.scheme not in ("redis+sentinel", "redis+cluster"):
        raise ValueError("unknown scheme")
    auth, _, hosts = parts.netloc.rpartition("@")
    password = unquote(auth.partition(":")[2]) or None if auth else None
    nodes: list[tuple[str, int]] = []
    for item in hosts.split(","):
        host, _, port = item.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"expected host:port, got {item!r}")
        nodes.append((host.strip("[]"), int(port)))
    path = [p for p in parts.path.split("/") if p]
    if parts.scheme == "redis+cluster":
        if path and path != ["0"]:
            raise ValueError("a Redis Cluster has only db 0: leave the path out")
        return RedisTarget("cluster", url, tuple(nodes), password=password)
    if not path or len(path) > 2 or (len(path) == 2 and not path[1].isdigit()):
        raise ValueError("expected redis+sentinel://host:port[,host:port]/service_name[/db]")
    db = int(path[1]) if len(path) == 2 else 0
    return RedisTarget("sentinel", url, tuple(nodes), path[0], db, password)


def sentinel(target: RedisTarget, **options: Any) -> Sentinel:
    """The sentinels of ``target`` (kind "sentinel"); ``options`` go to the Redis servers."""
    return Sentinel(  # type: ignore[no-untyped-call]
        list(target.nodes),
        sentinel_kwargs={"socket_timeout": options.get("socket_timeout", 2.0),
                         "socket_connect_timeout": options.get("socket_connect_timeout", 2.0)},
        db=target.db, password=target.password, **options,
    )  # fmt: skip


def open_client(url: str, **options: Any) -> Redis:
    """A client for any form of ``REDIS_URL``.

    A cluster client is typed as ``Redis``: it answers every command the app sends (each
    multi-key operation keeps its keys in one hash slot with a ``{tag}``, see README).
    """
    target = parse(url)
    if target.kind == "single":
        return Redis.from_url(url, **options)
    if target.kind == "sentinel":
        master: Redis = sentinel(target, **options).master_for(target.service)
        return master
    options.pop("health_check_interval", None)
    cluster = RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in target.nodes],
        password=target.password, **options,
    )  # fmt: skip
    return cast(Redis, cluster)
