"""Activity per workshop: what idle culling reads, and the gauge dashboards read.

The gate is the one place every request to a workshop passes, so it is where
activity is counted, twice over:

- ``Tally``: what a person causes (``counts_as_work``: HTTP requests other than
  the applications' own polling, and WebSocket data messages from the browser),
  per instance and window, with a floor below which a window is not work. The
  reporter (``reporting``) publishes each closed window as one batched
  ``ActivityReport`` for expiry's idle rule (docs/src/content/docs/decisions/0060).
- ``Activity``: the last proxied request or message of any kind, as
  ``orchestra_gate_last_request_timestamp_seconds{instance}`` on the metrics
  port. Instances quiet for longer than the retention drop out, so the series of
  ended workshops do not pile up.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

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


# Paths applications poll by themselves, with a tab open and nobody at it: Jupyter's kernel,
# session and terminal lists, RStudio's event long-poll (a POST), health checks.
DEFAULT_IGNORED_PATHS = (
    r"/api/(kernels|sessions|terminals|kernelspecs|status|me)/?$",
    r"/events/get_events$",
    r"/healthz?$",
    r"/metrics$",
)


def counts_as_work(path: str, ignored: tuple[re.Pattern[str], ...]) -> bool:
    """Whether one proxied HTTP request is something a person did (docs/src/content/docs/decisions/0060): every
    request except those to the paths applications poll on their own."""
    return not any(pattern.search(path) for pattern in ignored)


@dataclass
class _Seen:
    events: int = 0
    last: float = 0.0


@dataclass(frozen=True)
class Window:
    """One closed window: the instances above the floor (plus any left unreported before)."""

    started_at: float
    ended_at: float
    active: dict[str, _Seen]


class Tally:
    """Counted events per instance in the current window; ``close`` ends the window.

    A window's instances with fewer events than ``floor`` were not worked in (a
    heartbeat, a stray poll) and are forgotten. What a failed publish could not
    report is ``keep``-t and merged into the next window, so activity is delayed by
    an outage, never lost, and never sent one message per request.
    """

    def __init__(self, *, floor: int, clock: Callable[[], float] = time.time) -> None:
        self.floor = floor
        self.clock = clock
        self.started_at = clock()
        self._current: dict[str, _Seen] = {}
        self._unreported: dict[str, _Seen] = {}

    def count(self, instance: str) -> None:
        seen = self._current.setdefault(instance, _Seen())
        seen.events += 1
        seen.last = self.clock()

    def close(self) -> Window:
        now = self.clock()
        active = dict(self._unreported)
        for instance, seen in self._current.items():
            if seen.events < self.floor:
                continue
            before = active.get(instance)
            if before is None:
                active[instance] = seen
            else:
                active[instance] = _Seen(before.events + seen.events, max(before.last, seen.last))
        window = Window(started_at=self.started_at, ended_at=now, active=active)
        self._current, self._unreported, self.started_at = {}, {}, now
        return window

    def keep(self, window: Window) -> None:
        """A window that could not be reported: its active instances go into the next one."""
        for instance, seen in window.active.items():
            before = self._unreported.get(instance)
            self._unreported[instance] = (
                seen
                if before is None
                else _Seen(before.events + seen.events, max(before.last, seen.last))
            )
