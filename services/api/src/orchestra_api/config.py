"""Settings of the api service, read from ``ORCHESTRA_API_*`` environment variables.

The only place the api reads its environment. ``main.py`` builds one
``ApiSettings`` and hands it down; nothing reads settings at import time.
"""

from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from orchestra_shared.settings import DatabaseSettings, NatsSettings

IPNetwork = IPv4Network | IPv6Network


class ApiSettings(NatsSettings, DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORCHESTRA_API_", extra="ignore")

    host: str = Field(default="127.0.0.1", description="Address uvicorn binds to.")
    port: int = Field(default=8000, description="Port uvicorn binds to.")
    catalog_dir: Path = Field(
        default=Path("charts/orchestra/files/templates"),
        description="Directory of template YAML files; a bad file stops start-up.",
    )
    trusted_proxies: list[IPNetwork] = Field(
        default_factory=lambda: [ip_network("127.0.0.1/32"), ip_network("::1/128")],
        description=(
            "Peers whose X-Auth-Request-* headers are believed (oauth2-proxy). "
            "Loopback by default, for the dev stack."
        ),
    )
    admin_group: str = Field(
        default="orchestra-admins", description="Members of this group are admins."
    )
    admin_emails: list[str] = Field(
        default_factory=list, description="Emails that are admins whatever their groups."
    )
    cluster_kind: Literal["emulated", "real"] = Field(
        default="real",
        description=(
            "Said in /api/v1/me: 'emulated' means no pod really runs (the dev stack "
            "without a cluster); set by the dev launcher."
        ),
    )
    session_tag: str | None = Field(
        default=None,
        description="Session part of instance names (a cohort tag); the launch date when unset.",
    )
    outbox_poll_interval: float = Field(
        default=0.5,
        description=(
            "Seconds between outbox scans when no NOTIFY arrives; bounds how long a "
            "launch waits in the outbox after a missed notification or a NATS outage."
        ),
    )
    outbox_batch_size: int = Field(default=100, description="Events published per relay round.")

    @field_validator("admin_emails")
    @classmethod
    def _lowercase(cls, emails: list[str]) -> list[str]:
        return [email.strip().lower() for email in emails]
