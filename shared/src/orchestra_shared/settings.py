"""Settings fragments that several services share.

Each service has one pydantic-settings class in its own ``config.py`` with its
own env prefix (``ORCHESTRA_API_``, ``ORCHESTRA_OPERATOR_`` ...); these mixins
give the common fields one name, one default and one docstring.
"""

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings


class NatsSettings(BaseSettings):
    nats_url: str = Field(
        default="nats://127.0.0.1:4222",
        description="NATS server URL(s), comma-separated; JetStream must be enabled.",
    )
    nats_connect_timeout: float = Field(
        default=2.0, description="Seconds to wait for one connection attempt before retrying."
    )


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
            "launches from it, the operator builds Workshops only from it (docs/adr/0052): "
            "give both the same files."
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
