"""Prometheus metrics, one registry per app (no module-level singletons)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

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

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def observe(self, platform: str, operation: str, outcome: str, seconds: float) -> None:
        """OutboundObserver: record one call to an outside platform."""
        self.outbound.labels(platform, operation, outcome).inc()
        self.outbound_latency.labels(platform).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
