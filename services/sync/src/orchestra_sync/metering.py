"""Sync's measurements: its lag, and how long launches take to become Ready.

Lag: seconds from a transition in the cluster to its row committed in Postgres.

The cluster's time is the transition's own (``status.transitions`` or the Ready
condition), so the lag includes the operator-to-watch delay as well as sync's.
``LagObserver`` is the hook ``Syncer`` calls after each commit; the default one
feeds a Prometheus histogram that a ``/metrics`` endpoint (issue 8) can expose
from the default registry. Catch-up after downtime shows up as large values,
on purpose: that is lag too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from prometheus_client import Counter, Histogram

LagObserver = Callable[[float], None]

LAG = Histogram(
    "orchestra_sync_lag_seconds",
    "Seconds from a Workshop's phase change in the cluster to its history row in Postgres.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800),
)


LAUNCH_TO_READY = Histogram(
    "orchestra_launch_to_ready_seconds",
    "Seconds from a launch accepted by the api (instance row created) to its first Ready.",
    buckets=(1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600),
)


def observe_lag(seconds: float) -> None:
    LAG.observe(max(seconds, 0.0))


def lag_seconds(transitioned_at: datetime, committed_at: datetime) -> float:
    return (committed_at - transitioned_at).total_seconds()


OUTBOX_SET_ASIDE = Counter(
    "orchestra_sync_outbox_set_aside",
    "Status events NATS refused, set aside in sync_outbox (reason in last_error) so they "
    "block nothing; any increase needs an operator.",
)
