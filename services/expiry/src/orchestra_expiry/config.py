"""Settings of the expiry service, read from ``ORCHESTRA_EXPIRY_*`` environment variables."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from orchestra_shared.settings import (
    DatabaseSettings,
    MetricsSettings,
    NatsSettings,
    TelemetrySettings,
)


class ExpirySettings(NatsSettings, DatabaseSettings, MetricsSettings, TelemetrySettings):
    model_config = SettingsConfigDict(env_prefix="ORCHESTRA_EXPIRY_", extra="ignore")

    warning_leads: list[int] = Field(
        default_factory=lambda: [900, 300],
        description=(
            "Seconds before the deadline at which the learner is warned (15 and 5 min), "
            'as JSON (``ORCHESTRA_EXPIRY_WARNING_LEADS="[900, 300]"``); re-armed by an extension.'
        ),
    )
    tick: float = Field(
        default=0.25,
        description=(
            "Seconds between scans of the schedule; bounds lateness (the goal is under 2 s) "
            "at the cost of one indexed query per tick."
        ),
    )
    batch_size: int = Field(
        default=200,
        description=(
            "Rows claimed and published per transaction; a full batch is followed by another "
            "scan at once, so it bounds the time rows stay locked, not throughput."
        ),
    )
    startup_grace: float = Field(
        default=60.0,
        description=(
            "Seconds after a launch's startup timeout before expiry terminates it as stuck. "
            "The operator fails such Workshops itself, with the cluster's reason, at the "
            "timeout; the grace lets that happen first, so expiry acts only as the backstop "
            "for launches nobody reported on (ADR 0031)."
        ),
    )
    retry_delay: float = Field(
        default=1.0,
        description=(
            "Seconds to wait after a scan failed (Postgres or NATS unreachable) before the "
            "next; short, because deadlines are waiting, and nothing is lost meanwhile."
        ),
    )
