"""Settings fragments that several services share.

Each service has one pydantic-settings class in its own ``config.py`` with its
own env prefix (``ORCHESTRA_API_``, ``ORCHESTRA_OPERATOR_`` ...); these mixins
give the common fields one name, one default and one docstring.
"""

from pathlib import Path

from pydantic import Field
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


class KubernetesSettings(BaseSettings):
    kubeconfig: Path | None = Field(
        default=None,
        description="Kubeconfig to use; unset means in-cluster service-account credentials.",
    )
    kube_context: str | None = Field(default=None, description="Context within the kubeconfig.")
