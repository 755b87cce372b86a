"""Prometheus metrics of the api: a registry per app, so tests and replicas never share one.

Kept minimal on purpose (launches by template and outcome, the outbox backlog);
the observability work extends it. ``launching`` counts outcomes; ``/metrics``
refreshes the backlog gauge from Postgres when scraped.
"""

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST
UNKNOWN_TEMPLATE = "(unknown)"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.launches = Counter(
            "orchestra_api_launches",
            "Launch requests by template and outcome (accepted, replayed, limit, capacity, "
            "invalid, not-found).",
            ["template", "outcome"],
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "orchestra_api_outbox_backlog",
            "Events committed but not yet published to NATS (read when scraped).",
            registry=self.registry,
        )
        self.outbox_set_aside = Gauge(
            "orchestra_api_outbox_set_aside",
            "Events NATS refused, set aside so they block nothing (reason in the row's "
            "last_error); anything above 0 needs an operator (read when scraped).",
            registry=self.registry,
        )
        self.nats_connected = Gauge(
            "orchestra_api_nats_connected",
            "1 while the api's event stream is connected to NATS, 0 during an outage (the api "
            "stays ready: launches are kept in the outbox until NATS returns).",
            registry=self.registry,
        )

    def launched(self, template: str | None, outcome: str) -> None:
        # Only catalog slugs become label values: user input must not mint time series.
        self.launches.labels(template=template or UNKNOWN_TEMPLATE, outcome=outcome).inc()

    def render(self, *, outbox_backlog: tuple[int, int] | None, nats_connected: bool) -> bytes:
        """``outbox_backlog`` is (waiting, set aside), or None when Postgres did not answer."""
        self.nats_connected.set(1 if nats_connected else 0)
        if outbox_backlog is not None:
            self.outbox_backlog.set(outbox_backlog[0])
            self.outbox_set_aside.set(outbox_backlog[1])
        return generate_latest(self.registry)
