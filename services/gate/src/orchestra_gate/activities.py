"""The last request each workshop saw, for idle culling, as a Prometheus gauge.

The gate is the one place every request to a workshop passes, so it is where
activity is counted: ``Activity.touch`` on every proxied request and every
WebSocket message; ``orchestra_gate_last_request_timestamp_seconds{instance}``
exposes it on the metrics port. Instances quiet for longer than the retention
drop out, so the series of ended workshops do not pile up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

REQUESTS = Counter(
    "orchestra_gate_requests_total",
    "Requests at the gate, by outcome (proxied, redeemed, redirected, refused, replayed, failed).",
    ["outcome"],
)


class Activity(Collector):
    def __init__(self, *, retention: float, clock: Callable[[], float] = time.time) -> None:
        self.retention = retention
        self.clock = clock
        self.last_seen: dict[str, float] = {}

    def touch(self, instance: str) -> None:
        self.last_seen[instance] = self.clock()

    def current(self) -> dict[str, float]:
        """Last request time (Unix seconds) per instance, the stale ones dropped."""
        horizon = self.clock() - self.retention
        for instance in [i for i, seen in self.last_seen.items() if seen < horizon]:
            del self.last_seen[instance]
        return dict(self.last_seen)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "orchestra_gate_last_request_timestamp_seconds",
            "When the gate last passed a request (or WebSocket message) to each workshop.",
            labels=["instance"],
        )
        for instance, seen in sorted(self.current().items()):
            gauge.add_metric([instance], seen)
        yield gauge

    def register(self) -> Callable[[], None]:
        REGISTRY.register(self)
        return lambda: REGISTRY.unregister(self)
