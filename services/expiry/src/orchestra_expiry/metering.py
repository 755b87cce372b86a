"""Expiry's Prometheus metrics, served on ``/metrics`` of its metrics port."""

from prometheus_client import Counter, Histogram

LATENESS_SECONDS = Histogram(
    "orchestra_expiry_lateness_seconds",
    "How long after its moment a deadline or stuck-launch timeout fired.",
    ["reason"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
FIRED = Counter("orchestra_expiry_fired_total", "Terminations requested, by reason.", ["reason"])
WARNINGS = Counter(
    "orchestra_expiry_warnings_total",
    "Warnings sent: by lead time in seconds before the deadline, or 'idle'.",
    ["lead"],
)
EXTENSIONS_REFUSED = Counter(
    "orchestra_expiry_extensions_refused_total",
    "Extensions that arrived after the deadline fired or behind a newer decision.",
)
DEAD_LETTERS = Counter(
    "orchestra_expiry_dead_letters_total",
    "Messages parked on a dead-letter subject, by consumer.",
    ["consumer"],
)
REDELIVERIES = Counter(
    "orchestra_expiry_redeliveries_total",
    "Events delivered more than once, by consumer.",
    ["consumer"],
)
ACTIVITY = Counter(
    "orchestra_expiry_activity_total",
    "Idle clocks restarted: by the gate's reports (instances moved) or by a learner's keep.",
    ["source"],
)
