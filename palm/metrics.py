"""Prometheus metrics, one registry per app (no module-level singletons), and where to read them.

Not public by default: ``PALM_METRICS_PORT`` serves them on a listener of their own (loopback
unless ``PALM_METRICS_HOST`` says otherwise); ``PALM_METRICS_TOKEN`` lets ``/metrics`` on the
API port answer a scraper that sends it. With neither, ``/metrics`` is not found.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from palm.public import origin

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Requests by route and status, latency, and outbound calls by platform and outcome."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
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

    def render(self) -> bytes:
        return generate_latest(self.registry)


CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def render_response(metrics: Metrics) -> web.Response:
    return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE})


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
        return render_response(metrics)

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
