"""Settings of the sync service, read from ``ORCHESTRA_SYNC_*`` environment variables."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from orchestra_shared.settings import DatabaseSettings, KubernetesSettings, NatsSettings


class SyncSettings(NatsSettings, DatabaseSettings, KubernetesSettings):
    model_config = SettingsConfigDict(env_prefix="ORCHESTRA_SYNC_", extra="ignore")

    watch_timeout: int = Field(
        default=300,
        description=(
            "Seconds a watch request stays open before it is renewed from the last "
            "resourceVersion; the API server may end it sooner."
        ),
    )
    backoff_max: float = Field(
        default=5.0, description="Longest pause, in seconds, between reconnection attempts."
    )
    vanished_grace: float = Field(
        default=2.0,
        description=(
            "Seconds after which an instance whose Workshop was seen once and is gone "
            "from a fresh list is recorded as Terminated (deleted while sync was down)."
        ),
    )
