"""Settings of the sync service, read from ``ORCHESTRA_SYNC_*`` environment variables.

The only module that reads the environment; everything else gets a
``SyncSettings`` (or the few numbers it needs) as arguments.
"""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from orchestra_shared.settings import (
    DatabaseSettings,
    KubernetesSettings,
    MetricsSettings,
    NatsSettings,
    OutboxSettings,
    RetentionSettings,
    TelemetrySettings,
)


class SyncSettings(
    NatsSettings,
    DatabaseSettings,
    OutboxSettings,
    KubernetesSettings,
    MetricsSettings,
    TelemetrySettings,
):
    model_config = SettingsConfigDict(env_prefix="ORCHESTRA_SYNC_", extra="ignore")

    watch_timeout: int = Field(
        default=300,
        description=(
            "Seconds a watch request stays open before it is renewed from the last "
            "resourceVersion; the API server may end it sooner."
        ),
    )
    backoff_min: float = Field(
        default=0.2,
        description=(
            "First pause, in seconds, after a failure (watch, Postgres, NATS); doubled on "
            "each further failure up to ``backoff_max``."
        ),
    )
    backoff_max: float = Field(
        default=5.0,
        description=(
            "Longest pause, in seconds, between attempts: short enough that an outage "
            "of Postgres or NATS costs seconds of lag after it ends, not minutes."
        ),
    )
    shutdown_timeout: float = Field(
        default=5.0,
        description="Seconds to wait for database connections to close at shutdown before "
        "they are cut.",
    )
    record_concurrency: int = Field(
        default=16,
        ge=1,
        description=(
            "Observations of different Workshops recorded at once (each in its own "
            "transaction, committed in watch order; ADR 0022). Serially a burst of N "
            "transitions drains in about N x 3 ms; overlapping the round trips of 16 "
            "is what brings 500 at once toward the 1 s lag goal (docs/src/content/docs/benchmarks/sync.md), "
            "and more buys little once the commits are the queue. Each adds one Postgres "
            "connection to the pool."
        ),
    )
    lock_timeout: float = Field(
        default=2.0,
        description=(
            "Seconds a statement waits for a row lock before failing (and being retried "
            "from the last recorded event). Two replicas committing in their own watch "
            "order could otherwise wait on each other forever; a lock is normally held "
            "for milliseconds."
        ),
    )
    audit_interval: float = Field(
        default=60.0,
        description=(
            "Seconds between audits for Workshops alive after their instance ended (one "
            "list of Workshops and one query each): the longest such a Workshop goes "
            "unnoticed, after ``audit_grace``. The same list finds instances whose Workshop "
            "is gone though the watch missed its deletion, one interval later."
        ),
    )
    retention: RetentionSettings = Field(
        default_factory=RetentionSettings,
        description="Every retention period (``ORCHESTRA_RETENTION_*``, shared by every service).",
    )
    audit_grace: float = Field(
        default=120.0,
        description=(
            "Seconds past its deadline or its terminate request before a live Workshop "
            "counts as not ended: the time expiry and the operator normally need, so the "
            "audit only acts when they did not."
        ),
    )
    terminations_batch: int = Field(
        default=100, description="Terminate requests fetched at once by sync's consumer."
    )
    terminations_ack_wait: float = Field(
        default=30.0,
        description="Seconds before an unacknowledged terminate request is redelivered.",
    )
    vanished_reason_wait: float = Field(
        default=30.0,
        description=(
            "Seconds the recording of Workshops deleted while sync was away waits for the "
            "terminate-requests consumer to catch up (so the reason is known); after that "
            "(NATS down) they are recorded with reason 'vanished' rather than shown as "
            "running and holding capacity."
        ),
    )
