"""Settings of the workshop gate, read from ``ORCHESTRA_GATE_*`` environment variables.

The only place the gate reads its environment; ``main.py`` builds one
``GateSettings`` and hands it down. Secrets that are placeholders or short are
refused outside development, and so is a cookie without ``Secure`` anywhere but
on loopback (``*.localhost``).
"""

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from orchestra_gate.activities import DEFAULT_IGNORED_PATHS
from orchestra_shared.passes import DEVELOPMENT_SECRET, weak_secret
from orchestra_shared.settings import (
    DatabaseSettings,
    MetricsSettings,
    NatsSettings,
    TelemetrySettings,
)


class GateSettings(DatabaseSettings, MetricsSettings, NatsSettings, TelemetrySettings):
    model_config = SettingsConfigDict(env_prefix="ORCHESTRA_GATE_", extra="ignore")

    environment: Literal["development", "production"] = Field(
        default="production",
        description=(
            "'development' allows placeholder secrets and a cookie without Secure on "
            "*.localhost (the dev stack); anything else refuses them at start-up."
        ),
    )
    host: str = Field(default="0.0.0.0", description="Address the gate listens on.")
    port: int = Field(default=8080, description="Port workshop traffic arrives on.")
    base_domain: str = Field(
        default="workshops.localhost",
        description=(
            "Workshops are {instance}.{base_domain}; a request for any other host is 404. "
            "The same value as the operator's base_domain."
        ),
    )
    ticket_secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_SECRET),
        description=(
            "Key of the tickets the api issues (the api's gate_ticket_secret: the same "
            "value). At least 32 characters outside development."
        ),
    )
    session_secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_SECRET),
        description=(
            "Key of the gate's session cookies; the gate's alone (no other service needs "
            "it). Rotating it signs everybody out of their workshops, nothing worse."
        ),
    )
    upstream: str = Field(
        default="http://{instance}.{namespace}.svc.cluster.local",
        description=(
            "Where an admitted request goes: the workshop's Service, from the instance and "
            "namespace the pass names (both signed). The dev stack points it at its stand-in."
        ),
    )
    open_url: str = Field(
        default="http://127.0.0.1:8000/api/v1/instances/{instance}/open",
        description=(
            "Where a visitor without a valid cookie is sent: the api's open flow on the "
            "dashboard's origin (it signs them in and issues a ticket). {instance} is filled in."
        ),
    )
    cookie_name: str = Field(default="orchestra-gate", description="Name of the session cookie.")
    cookie_secure: bool = Field(
        default=True,
        description="Send the cookie over HTTPS only; may be off only in development on *.localhost.",
    )
    cookie_samesite: Literal["Lax", "Strict"] = Field(
        default="Lax",
        description=(
            "Lax: the first navigation from the dashboard (another site, possibly) still "
            "carries the cookie; cross-site subrequests never do."
        ),
    )
    session_seconds: int = Field(
        default=8 * 3600,
        gt=0,
        description=(
            "Lifetime of a session cookie: a working day. After it the learner is sent "
            "through the open flow again, which checks they still may enter."
        ),
    )
    help_recheck_seconds: float = Field(
        default=5.0,
        ge=0,
        description=(
            "How long the answer to 'may instructors still be in this workshop?' is kept "
            "before Postgres is asked again: a learner's withdrawn consent shuts an open "
            "instructor's session within this many seconds. 0: ask on every request."
        ),
    )
    upstream_connect_timeout: float = Field(
        default=10.0, gt=0, description="Seconds to wait for the application to accept."
    )
    activity_retention: float = Field(
        default=24 * 3600.0,
        gt=0,
        description=(
            "Seconds an instance's last request time stays in the metrics after its last "
            "request; longer than any workshop lives, so ended ones drop out."
        ),
    )

    activity_window: float = Field(
        default=60.0,
        gt=0,
        description=(
            "Seconds per activity window: one batched report per gate replica per window "
            "(docs/src/content/docs/decisions/0060). Idle timeouts are minutes, so a minute's delay is nothing."
        ),
    )
    activity_floor: int = Field(
        default=3,
        ge=1,
        description=(
            "Counted events an instance needs in one window for the window to be work; "
            "fewer (a keep-alive every 30 s, a stray poll) is a tab left open, not a person."
        ),
    )
    activity_ignored_paths: list[str] = Field(
        default_factory=lambda: list(DEFAULT_IGNORED_PATHS),
        description=(
            "Regular expressions (searched in the path) of requests applications make by "
            "themselves (polling, long-polls, health checks); never counted as activity. As JSON."
        ),
    )
    activity_reporting: bool = Field(
        default=True,
        description=(
            "Report activity to NATS for idle culling; off only for a gate run alone "
            "(tests, benchmarks) with no bus."
        ),
    )

    @model_validator(mode="after")
    def _safe_outside_development(self) -> "GateSettings":
        if self.environment == "development":
            return self
        for name in ("ticket_secret", "session_secret"):
            problem = weak_secret(getattr(self, name).get_secret_value())
            if problem:
                raise ValueError(f"{name} {problem}; set ORCHESTRA_GATE_{name.upper()}")
        if not self.cookie_secure:
            raise ValueError("cookie_secure may be off only with environment=development")
        return self

    @model_validator(mode="after")
    def _insecure_only_on_loopback(self) -> "GateSettings":
        on_loopback = self.base_domain == "localhost" or self.base_domain.endswith(".localhost")
        if not self.cookie_secure and not on_loopback:
            raise ValueError("cookie_secure may be off only for *.localhost (loopback)")
        return self
