"""The operator's Prometheus metrics, served on ``/metrics`` of its metrics port.

Defined once here so every activity counts into the same series; the names
follow Prometheus conventions (``_total`` counters, ``_seconds`` histograms).
"""

from prometheus_client import Counter, Histogram

RECONCILE_SECONDS = Histogram(
    "orchestra_operator_reconcile_duration_seconds",
    "Time to reconcile one Workshop (children, assessment, status).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
COMMANDS = Counter(
    "orchestra_operator_commands_total",
    "Commands taken from NATS, by type and outcome (done, refused, retried).",
    ["type", "outcome"],
)
REDELIVERIES = Counter(
    "orchestra_operator_command_redeliveries_total",
    "Commands delivered more than once (a crash or a retry before the acknowledgement).",
)
DEAD_LETTERS = Counter(
    "orchestra_operator_dead_letters_total",
    "Messages parked on a dead-letter subject, by consumer.",
    ["consumer"],
)
DEADLINES_ENFORCED = Counter(
    "orchestra_operator_deadlines_enforced_total",
    "Workshops the operator deleted itself, past their deadline plus the grace: each one is "
    "a deadline expiry did not end (alert on any increase).",
)
PHASES = Counter(
    "orchestra_operator_phase_changes_total",
    "Phase changes written to Workshop status, by phase and reason.",
    ["phase", "reason"],
)
RECONCILES_COALESCED = Counter(
    "orchestra_operator_reconciles_coalesced_total",
    "Reconcile requests dropped because one for the same Workshop was already waiting "
    "(it reads the Workshop fresh, so it covers them).",
)
EXPORTS = Counter(
    "orchestra_operator_exports_total",
    "Work folders exported, by trigger (terminate, requested, deadline) and outcome (saved; "
    "failed after every attempt, the Workshop deleted anyway; nothing, no pod ran).",
    ["trigger", "outcome"],
)
