"""Prometheus metrics, one registry per app (no module-level singletons), and where to read them.

Not public by default: ``PALM_METRICS_PORT`` serves them on a listener of their own (loopback
unless ``PALM_METRICS_HOST`` says otherwise); ``PALM_METRICS_TOKEN`` lets ``/metrics`` on the
API port answer a scraper that sends it. With neither, ``/metrics`` is not found.

Across workers: ``palm serve --workers N`` gives every worker one fresh folder
(``PROMETHEUS_MULTIPROC_DIR``, ``Settings.metrics_dir``); each writes its counts there and a
scrape of any worker adds up all of them (prometheus-client's multiprocess mode). The job
queue's figures (queued, oldest due, dead) are read from the outbox at each scrape.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from palm.public import origin

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Requests by route and status, latency, and outbound calls by platform and outcome."""

    def __init__(self, multiproc_dir: Path | None = None) -> None:
        self.multiproc_dir = multiproc_dir
        self.registry = CollectorRegistry(auto_describe=True)
        self.started = Gauge(
            "palm_worker_started_time_seconds",
            "When each serving process started (one series per live worker, by pid).",
            registry=self.registry,
            multiprocess_mode="liveall",
        )
        self.started.set(time.time())
        self.requests = Counter(
            "palm_http_requests_total",
            "HTTP requests served, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "palm_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.outbound = Counter(
            "palm_outbound_requests_total",
            "Calls to outside platforms, by platform, operation and outcome.",
            ["platform", "operation", "outcome"],
            registry=self.registry,
        )
        self.outbound_latency = Histogram(
            "palm_outbound_request_duration_seconds",
            "Time taken by calls to outside platforms.",
            ["platform"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        # The labelled children of the request metrics, looked up once per (route, method,
        # status): ``labels()`` validates and locks on every call.
        self._request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        children = self._request_children.get((route, method, status))
        if children is None:
            children = (
                self.requests.labels(route, method, str(status)),
                self.latency.labels(route),
            )
            self._request_children[(route, method, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    def observe(self, platform: str, operation: str, outcome: str, seconds: float) -> None:
        """OutboundObserver: record one call to an outside platform."""
        self.outbound.labels(platform, operation, outcome).inc()
        self.outbound_latency.labels(platform).observe(seconds)

    def render(self, extra: Iterable[Metric] = ()) -> bytes:
        """Every worker's figures (one folder shared by them all) or this process's, then
        ``extra`` (figures read from the database at this scrape)."""
        if self.multiproc_dir is None:
            body = generate_latest(self.registry)
        else:
            merged = CollectorRegistry()
            MultiProcessCollector(merged, path=str(self.multiproc_dir))  # type: ignore[no-untyped-call]
            body = generate_latest(merged)
        extra = list(extra)
        if not extra:
            return body
        registry = CollectorRegistry()
        registry.register(_Fixed(extra))
        return body + generate_latest(registry)


class _Fixed:
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> list[Metric]:
        return self._families


async def queue_figures() -> list[Metric]:
    """The job queue as the outbox holds it: messages waiting, how long the oldest due one has
    waited, and the dead (given up after their last attempt)."""
    from models.jobs import OutboxMessage

    now = datetime.now(UTC)
    waiting = OutboxMessage.filter(done_at__isnull=True, dead_at__isnull=True)
    queued = await waiting.count()
    oldest = await waiting.filter(available_at__lte=now).order_by("available_at").first()
    dead = await OutboxMessage.filter(dead_at__isnull=False).count()
    age = (now - oldest.available_at).total_seconds() if oldest is not None else 0.0
    families = [
        ("palm_jobs_queued", "Outbox messages not yet done (due or later), the queue's depth.",
         float(queued)),
        ("palm_outbox_oldest_due_age_seconds",
         "How long the oldest due, undone outbox message has waited (0: none waiting).",
         max(0.0, age)),
        ("palm_jobs_dead", "Outbox messages given up after their last attempt.", float(dead)),
    ]  # fmt: skip
    return [GaugeMetricFamily(name, text, value=value) for name, text, value in families]


Figures = Callable[[], Awaitable[list[Metric]]]


CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


async def render_response(metrics: Metrics, figures: Figures = queue_figures) -> web.Response:
    return web.Response(
        body=metrics.render(await figures()), headers={"Content-Type": CONTENT_TYPE}
    )


def token_matches(expected: str | None, authorization: str) -> bool:
    """``Authorization: Bearer <PALM_METRICS_TOKEN>``, compared in constant time."""
    scheme, _, given = authorization.partition(" ")
    return (
        bool(expected)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.strip().encode(), str(expected).encode())
    )


@asynccontextmanager
async def listener(
    metrics: Metrics, host: str, port: int, *, reuse_port: bool = False
) -> AsyncIterator[str]:
    """``GET /metrics`` alone on its own address (PALM_METRICS_PORT); yields its URL.

    Apart from the API so that a scraper inside the network can read it and the public
    cannot: the API's port is what the load balancer exposes.
    """

    async def scrape(request: web.Request) -> web.Response:
        return await render_response(metrics)

    app = web.Application()
    app.router.add_get("/metrics", scrape)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, reuse_port=reuse_port or None).start()
        bound_host, bound_port = runner.addresses[0][:2]
        yield f"{origin(str(bound_host), int(bound_port))}/metrics"
    finally:
        await runner.cleanup()
