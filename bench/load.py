"""Our own async load client: a fixed number of connections for a duration or a request count.

Each connection is one coroutine sending its next request as soon as the previous answer has
been read (closed loop, like wrk), so the figures are requests/s at that concurrency and the
latency of each request from sending to the last byte of the answer.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import aiohttp


@dataclass(frozen=True, slots=True)
class Request:
    """One request to send; ``path`` is relative to the server's base URL."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None


RequestFactory = Callable[[int], Request]
"""Builds the n-th request of a run (n counts from 0 over all connections); cheap and sync."""


@dataclass(slots=True)
class Result:
    """What one run measured."""

    seconds: float
    latencies: list[float]  # seconds, sorted, one per completed request
    statuses: Counter[int]
    errors: int  # transport failures: no answer at all

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile_ms(self, fraction: float) -> float:
        """Latency at ``fraction`` (0.5, 0.99) in milliseconds, nearest rank."""
        if not self.latencies:
            return float("nan")
        rank = min(len(self.latencies) - 1, max(0, round(fraction * len(self.latencies)) - 1))
        return self.latencies[rank] * 1000

    @property
    def p50_ms(self) -> float:
        return self.percentile_ms(0.50)

    @property
    def p99_ms(self) -> float:
        return self.percentile_ms(0.99)

    @property
    def ok_fraction(self) -> float:
        done = sum(self.statuses.values())
        good = sum(n for status, n in self.statuses.items() if status < 400)
        return good / done if done else 0.0


async def run(
    base_url: str,
    factory: RequestFactory,
    *,
    connections: int = 64,
    duration: float | None = 5.0,
    requests: int | None = None,
    request_timeout: float = 30.0,
) -> Result:
    """Load ``base_url`` until ``duration`` seconds pass or ``requests`` were sent, if sooner."""
    if duration is None and requests is None:
        raise ValueError("give a duration, a request count, or both")
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    client_timeout = aiohttp.ClientTimeout(total=request_timeout)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors = 0
    issued = 0
    async with aiohttp.ClientSession(
        base_url, connector=connector, timeout=client_timeout, auto_decompress=False
    ) as session:
        started = time.perf_counter()
        deadline = started + duration if duration is not None else float("inf")

        async def connection() -> None:
            nonlocal issued, errors
            while time.perf_counter() < deadline and (requests is None or issued < requests):
                request = factory(issued)
                issued += 1
                sent = time.perf_counter()
                try:
                    async with session.request(
                        request.method, request.path, headers=request.headers, data=request.body
                    ) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - sent)
                statuses[status] += 1

        await asyncio.gather(*(connection() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return Result(elapsed, latencies, statuses, errors)


def fixed(request: Request) -> RequestFactory:
    """A factory sending the same request every time."""
    return lambda _: request
