"""Settings fragments that several services share.

Each service has one pydantic-settings class in its own ``config.py`` with its
own env prefix (``ORCHESTRA_API_``, ``ORCHESTRA_OPERATOR_`` ...); these mixins
give the common fields one name, one default and one docstring.
"""

from datetime import timedelta
from pathlib import Path
from typing import NotRequired, TypedDict

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from orchestra_shared.permissions import inbox_prefix


class NatsSettings(BaseSettings):
    nats_url: str = Field(
        default="nats://127.0.0.1:4222",
        description="NATS server URL(s), comma-separated; JetStream must be enabled.",
    )
    nats_connect_timeout: float = Field(
        default=2.0, description="Seconds to wait for one connection attempt before retrying."
    )
    nats_user: str | None = Field(
        default=None,
        description=(
            "This service's NATS user (docs/src/content/docs/decisions/0054: api, operator, sync or expiry); its "
            "replies come to `_INBOX.<user>`. Unset: no credentials, for a server without "
            "authorization."
        ),
    )
    nats_password: SecretStr | None = Field(
        default=None, description="The password of `nats_user` (from a Secret in production)."
    )


class NatsOptions(TypedDict):
    """Keyword arguments for ``nats.connect``; faststream takes the same, with ``user`` and
    ``password`` as its ``security`` and ``inbox_prefix`` again on each pull subscriber."""

    servers: list[str]
    connect_timeout: float
    inbox_prefix: str
    user: NotRequired[str]
    password: NotRequired[str]


def nats_options(settings: NatsSettings) -> NatsOptions:
    """Where and as whom a service connects: every connect site of every service uses this,
    so credentials come from settings alone (pure)."""
    options = NatsOptions(
        servers=settings.nats_url.split(","),
        connect_timeout=settings.nats_connect_timeout,
        inbox_prefix=inbox_prefix(settings.nats_user) if settings.nats_user else "_INBOX",
    )
    if settings.nats_user:
        options["user"] = settings.nats_user
    if settings.nats_password is not None:
        options["password"] = settings.nats_password.get_secret_value()
    return options


class DatabaseSettings(BaseSettings):
    database_dsn: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/orchestra",
        description="Postgres DSN (``postgresql://user:password@host:port/db``).",
    )
    database_pool_size: int = Field(
        default=10, description="Connections per process; the 9 am burst is bounded by it."
    )


class CatalogSettings(BaseSettings):
    catalog_dir: Path = Field(
        default=Path("charts/orchestra/files/templates"),
        description=(
            "Directory of template YAML files; a bad file stops start-up. The api lists and "
            "launches from it, the operator builds Workshops only from it (docs/src/content/docs/decisions/0052): "
            "give both the same files."
        ),
    )
    catalog_profiles: Path | None = Field(
        default=None,
        description=(
            "The platform's overlay of security profiles (docs/src/content/docs/operators/security-profiles.md), such "
            "as charts/orchestra/files/security-profiles.yaml; unset: every template that "
            "declares no securityProfile runs 'restricted'. A bad entry stops start-up. "
            "The api and the operator must be given the same overlay."
        ),
    )


class KubernetesSettings(BaseSettings):
    kubeconfig: Path | None = Field(
        default=None,
        description="Kubeconfig to use; unset means in-cluster service-account credentials.",
    )
    kube_context: str | None = Field(default=None, description="Context within the kubeconfig.")


class TelemetrySettings(BaseSettings):
    """Tracing is configured by the standard OpenTelemetry variables, nothing of our own.

    Without an OTLP endpoint, tracing stays off (a no-op tracer): no exporter
    retrying against nothing. The SDK itself reads the rest (``OTEL_SERVICE_NAME``,
    ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_BSP_*``, headers, protocol).
    """

    otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"
        ),
        description="Where spans go (OTLP over HTTP); unset means tracing is off.",
    )
    sdk_disabled: bool = Field(
        default=False,
        validation_alias="OTEL_SDK_DISABLED",
        description="The standard kill switch: true turns tracing off whatever else is set.",
    )


class MetricsSettings(BaseSettings):
    metrics_host: str = Field(
        default="0.0.0.0",
        description="Address the /metrics endpoint binds to.",
    )
    metrics_port: int = Field(
        default=9100, description="Port of /metrics; 0 turns the endpoint off."
    )


class OutboxSettings(BaseSettings):
    """How a service's outbox relay (``orchestra_shared.relaying``) runs; the api and sync."""

    outbox_poll_interval: float = Field(
        default=1.0,
        description=(
            "Seconds between looks at the outbox when no NOTIFY arrived; covers rows left "
            "by a crash or a missed notification. A commit wakes the relay at once."
        ),
    )
    outbox_batch_size: int = Field(
        default=200, ge=1, description="Rows published per relay transaction."
    )
    outbox_publish_timeout: float = Field(
        default=5.0, description="Seconds to wait for JetStream to acknowledge one publish."
    )
    outbox_retention: float = Field(
        default=86_400.0,
        description=(
            "Seconds a published row is kept (for inspection) before it is deleted; well "
            "beyond JetStream's 10-minute duplicate window."
        ),
    )
    outbox_backoff_initial: float = Field(
        default=0.2,
        description="First pause, in seconds, after NATS or Postgres failed a round.",
    )
    outbox_backoff_max: float = Field(
        default=5.0,
        description=(
            "Longest pause, in seconds, between rounds during an outage: the backlog "
            "flows within seconds after NATS returns."
        ),
    )


class RetentionSettings(BaseSettings):
    """How long the platform keeps what a session leaves behind: every period in one group
    (``ORCHESTRA_RETENTION_*``, the same values given to every service), each enforced by
    one reaper in the service that owns the fact (docs/src/content/docs/decisions/0060, docs/src/content/docs/learners/end-of-a-session.md).

    Periods are durations: seconds (``7776000``) or ISO 8601 (``P90D``)."""

    model_config = SettingsConfigDict(env_prefix="ORCHESTRA_RETENTION_", extra="ignore")

    history: timedelta = Field(
        default=timedelta(days=90),
        description=(
            "How long an ended session (its instance row and its history) is kept after it "
            "ended; sync deletes it then. 90 days: past a term's end and its complaints."
        ),
    )
    archives: timedelta = Field(
        default=timedelta(days=30),
        description=(
            "How long an exported work folder is kept after the export; the api deletes the "
            "archive then. 30 days: long enough to download after a course, short enough "
            "that the store does not grow without end."
        ),
    )
    workspaces: timedelta = Field(
        default=timedelta(days=30),
        description=(
            "How long a persistent workspace (a per-user volume) is kept after the last "
            "session that used it ended (or its learner kept it); the api decides, the "
            "operator deletes the volume then (docs/src/content/docs/decisions/0062)."
        ),
    )
    workspace_warning: timedelta = Field(
        default=timedelta(days=7),
        description=(
            "How long before deleting a workspace its learner is warned (on the live "
            "stream and in the dashboard); the deletion is never sooner than this after the "
            "warning went out. Shorter than ``workspaces``."
        ),
    )
    audit: timedelta = Field(
        default=timedelta(days=365),
        description=(
            "How long the audit of admin and instructor actions (``audit_entries``) is "
            "kept; the api deletes older entries. 365 days: a year of courses to look back on."
        ),
    )
    reap_interval: float = Field(
        default=3600.0,
        gt=0,
        description=(
            "Seconds between two rounds of each reaper; deletions are idempotent, so a "
            "round that is cut short is finished by the next."
        ),
    )
    reap_batch: int = Field(
        default=500, ge=1, description="Rows or objects deleted per statement of a reaper."
    )

    @field_validator(
        "history", "archives", "workspaces", "workspace_warning", "audit", mode="before"
    )
    @classmethod
    def _seconds(cls, value: object) -> object:
        """A number of seconds given as text (an environment variable: ``7776000``)."""
        if isinstance(value, str) and value.strip().replace(".", "", 1).isdigit():
            return float(value)
        return value

    @model_validator(mode="after")
    def _warning_before_deletion(self) -> "RetentionSettings":
        if self.workspace_warning >= self.workspaces:
            raise ValueError("retention workspace_warning must be shorter than workspaces")
        return self
