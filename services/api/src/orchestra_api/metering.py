"""Prometheus metrics of the api: a registry per app, so tests and replicas never share one.

Launches by template and outcome, request durations, the outbox backlog, the waiting
room (its lines' lengths, how waits end) and classes (docs/src/content/docs/decisions/0070):
open classes, their members, warm pools, instructors' help. ``launching`` counts outcomes;
``timing`` observes every request's duration; the admitter counts how waits end, ``opening``
instructors' tickets; ``/metrics`` refreshes the gauges from Postgres when scraped. No label
ever holds a class id, an instance name or an email: those would mint a series each.
"""

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST
UNKNOWN_TEMPLATE = "(unknown)"
UNMATCHED_ROUTE = "(unmatched)"
LINES = ("capacity", "seats", "template")
# Seconds; from a millisecond (a read answered from the pool) to the 10 s a launch must never take.
WARM_STATES = ("warming", "ready", "claimed", "discarded")
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class ClassCounts:
    """What the class gauges show, read from Postgres when scraped (``tallying``)."""

    active: int
    members: int
    helper_accesses: int


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.launches = Counter(
            "orchestra_api_launches",
            "Launch requests by template and outcome (accepted, claimed from a warm pool, "
            "replayed, limit, capacity, invalid, not-found).",
            ["template", "outcome"],
            registry=self.registry,
        )
        self.request_duration = Histogram(
            "orchestra_api_request_duration_seconds",
            "Time from a request's arrival to the end of its response, by route template "
            "(never the raw path: names would mint a series each), method and status class.",
            ["route", "method", "status"],
            buckets=DURATION_BUCKETS,
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

        self.warm_instances = Gauge(
            "orchestra_api_warm_instances",
            "Warm instances of every class's pool by state: warming (starting), ready "
            "(claimable), claimed, discarded (ended unclaimed); read when scraped.",
            ["state"],
            registry=self.registry,
        )
        self.classes_active = Gauge(
            "orchestra_api_classes_active",
            "Classes open now: started, not past their end, not ended (read when scraped).",
            registry=self.registry,
        )
        self.class_members = Gauge(
            "orchestra_api_class_members",
            "Learners who joined a class that is open now (read when scraped).",
            registry=self.registry,
        )
        self.helper_opens = Counter(
            "orchestra_api_helper_opens",
            "Instructors' requests to open a learner's workshop, by outcome (issued: a ticket; "
            "refused: no consent, or not their class).",
            ["outcome"],
            registry=self.registry,
        )
        self.helper_accesses = Gauge(
            "orchestra_api_helper_accesses",
            "Entries of instructors into learners' workshops the gate has recorded (read "
            "when scraped).",
            registry=self.registry,
        )
        self.waiting_room = Gauge(
            "orchestra_api_waiting_room_length",
            "Launches waiting in line, by what they wait for (capacity: the platform; seats: "
            "a class's; template: a template's own capacity). Read when scraped.",
            ["line"],
            registry=self.registry,
        )
        self.waiting_room_entered = Counter(
            "orchestra_api_waiting_room_entered",
            "Places taken in the waiting room (launches and class joins that found no room), "
            "by line.",
            ["line"],
            registry=self.registry,
        )
        self.waiting_room_settled = Counter(
            "orchestra_api_waiting_room_settled",
            "Waits that ended: admitted (launched), left (the learner gave up) or refused "
            "(a limit, a template gone, the class ended).",
            ["outcome"],
            registry=self.registry,
        )
        for line in LINES:
            self.waiting_room.labels(line=line).set(0)
            self.waiting_room_entered.labels(line=line)
        for outcome in ("admitted", "left", "refused"):
            self.waiting_room_settled.labels(outcome=outcome)

    def queued(self, line: str) -> None:
        self.waiting_room_entered.labels(line=line if line in LINES else "capacity").inc()

    def waited(self, outcome: str) -> None:
        self.waiting_room_settled.labels(outcome=outcome).inc()

    def launched(self, template: str | None, outcome: str) -> None:
        # Only catalog slugs become label values: user input must not mint time series.
        self.launches.labels(template=template or UNKNOWN_TEMPLATE, outcome=outcome).inc()

    def requested(self, route: str | None, method: str, status: int, seconds: float) -> None:
        """``route`` is the matched route's template; None when nothing matched (a 404)."""
        self.request_duration.labels(
            route=route or UNMATCHED_ROUTE, method=method, status=f"{status // 100}xx"
        ).observe(seconds)

    def render(
        self,
        *,
        outbox_backlog: tuple[int, int] | None,
        nats_connected: bool,
        classes: ClassCounts | None = None,
        warm_instances: dict[str, int] | None = None,
        waiting: dict[str, int] | None = None,
    ) -> bytes:
        """``outbox_backlog`` is (waiting, set aside), ``classes`` the class gauges,
        ``warm_instances`` the pools' instances by state, ``waiting`` the waiting room's lines;
        each is None when Postgres did not answer (the gauges then keep their last value)."""
        self.nats_connected.set(1 if nats_connected else 0)
        if warm_instances is not None:
            for state in WARM_STATES:
                self.warm_instances.labels(state=state).set(warm_instances.get(state, 0))
        if classes is not None:
            self.classes_active.set(classes.active)
            self.class_members.set(classes.members)
            self.helper_accesses.set(classes.helper_accesses)
        if waiting is not None:
            for line in LINES:
                self.waiting_room.labels(line=line).set(waiting.get(line, 0))
        if outbox_backlog is not None:
            self.outbox_backlog.set(outbox_backlog[0])
            self.outbox_set_aside.set(outbox_backlog[1])
        return generate_latest(self.registry)
