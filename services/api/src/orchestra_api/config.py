"""Settings of the api service, read from ``ORCHESTRA_API_*`` environment variables.

The only place the api reads its environment. ``main.py`` builds one
``ApiSettings`` and hands it down; nothing reads settings at import time.
"""

from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from orchestra_shared.archiving import ArchiveSettings
from orchestra_shared.passes import DEVELOPMENT_SECRET, weak_secret
from orchestra_shared.settings import (
    CatalogSettings,
    DatabaseSettings,
    NatsSettings,
    OutboxSettings,
    RetentionSettings,
    TelemetrySettings,
)

IPNetwork = IPv4Network | IPv6Network


class ApiSettings(
    NatsSettings, DatabaseSettings, OutboxSettings, CatalogSettings, TelemetrySettings
):
    model_config = SettingsConfigDict(env_prefix="ORCHESTRA_API_", extra="ignore")

    host: str = Field(default="127.0.0.1", description="Address uvicorn binds to.")
    port: int = Field(default=8000, description="Port uvicorn binds to.")
    identity: Literal["token", "trusted-headers"] = Field(
        default="token",
        description=(
            "Where a caller's identity comes from. 'token': only from a signed bearer token "
            "(oauth2-proxy's ID token with --pass-authorization-header, or an API client's), "
            "verified against the oidc_* settings, which are then required; X-Auth-Request-* "
            "headers are never believed. 'trusted-headers': also from X-Auth-Request-* headers "
            "sent by a peer in trusted_proxies, safe only in the topology that "
            "docs/src/content/docs/decisions/0051-identity-from-verified-tokens.md describes; the dev stack and "
            "docker compose choose it."
        ),
    )
    trusted_proxies: list[IPNetwork] = Field(
        default_factory=lambda: [ip_network("127.0.0.1/32"), ip_network("::1/128")],
        description=(
            "With identity 'trusted-headers': peers whose X-Auth-Request-* headers are "
            "believed (oauth2-proxy). Loopback by default, for the dev stack."
        ),
    )
    admin_group: str = Field(
        default="orchestra-admins", description="Members of this group are admins."
    )
    admin_emails: list[str] = Field(
        default_factory=list, description="Emails that are admins whatever their groups."
    )
    instructor_group: str = Field(
        default="orchestra-instructors",
        description=(
            "Members of this group may create classes (docs/src/content/docs/decisions/0070); what they may do in a "
            "class is decided by the class's own list of instructors."
        ),
    )
    waiting_room_interval: float = Field(
        default=2.0,
        gt=0,
        description=(
            "Seconds between two passes of the waiting room's admitter when nothing wakes it: "
            "how soon a seat freed by a session ending (seen by sync) goes to the next in line."
        ),
    )
    waiting_room_batch: int = Field(
        default=100,
        ge=1,
        description="Tickets one admitter pass considers at most, in arrival order.",
    )
    warm_pool_interval: float = Field(
        default=5.0,
        gt=0,
        description=(
            "Seconds between two passes of the warm pools' keeper when no claim wakes it "
            "(docs/src/content/docs/decisions/0070): how late after its lead time a pool starts, and "
            "after start plus grace its unclaimed instances are removed."
        ),
    )
    warm_pool_backstop: float = Field(
        default=600.0,
        gt=0,
        description=(
            "Seconds after a class's start plus grace at which expiry ends an unclaimed warm "
            "instance itself, should the api not have removed it (its deadline)."
        ),
    )
    warm_pool_max: int = Field(
        default=200,
        ge=0,
        description=(
            "The largest warm pool a class may ask for: each warm instance holds a "
            "workshop's resources before anyone uses it. 0 turns warm pools off."
        ),
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
    # Per-learner limits: what one learner may hold at once.
    max_active_per_template: int = Field(
        default=1,
        ge=1,
        description=(
            "Active instances one learner may hold of one template. One: a second launch is "
            "almost always a double click, and the 409 offers the running one instead."
        ),
    )
    max_active_per_user: int = Field(
        default=3,
        ge=1,
        description="Active instances one learner may hold in all (a few courses at once).",
    )
    # Capacity: what the cluster is sized for.
    capacity_total: int = Field(
        default=1000,
        ge=0,
        description=(
            "Active instances on the whole platform; launches beyond it get 429. Size it to "
            "the node pools; 1000 is a few large classes at once."
        ),
    )
    capacity_per_template: dict[str, int] = Field(
        default_factory=dict,
        description=(
            "Active instances per template slug (JSON object); templates not named are "
            "bounded by capacity_total only. For images with licences or scarce GPUs."
        ),
    )
    capacity_retry_after: int = Field(
        default=60,
        ge=1,
        description=(
            "Seconds sent as Retry-After with a 429: about how long a class takes to free a "
            "few seats, and long enough that a full platform is not hammered by retries."
        ),
    )
    capacity_compact_interval: float = Field(
        default=5.0,
        gt=0,
        description=(
            "Seconds between compactions of the active-instance counts (``active_changes``): "
            "each launch's capacity check sums the changes since the last one."
        ),
    )
    archives: ArchiveSettings = Field(
        default_factory=ArchiveSettings,
        description="Where exported work folders are (``ORCHESTRA_ARCHIVES_*``, as the operator).",
    )
    retention: RetentionSettings = Field(
        default_factory=RetentionSettings,
        description="Every retention period (``ORCHESTRA_RETENTION_*``, shared by every service).",
    )
    max_extensions: int = Field(
        default=3,
        ge=0,
        description=(
            "Extensions one instance may get; each stays within the template's maxDuration, "
            "counted from the instance's creation."
        ),
    )

    # OIDC bearer tokens, verified by the api itself.
    oidc_issuer: str | None = Field(
        default=None,
        description=(
            "Expected 'iss' of bearer tokens; required with identity 'token', and unset "
            "(with 'trusted-headers') disables bearer tokens entirely."
        ),
    )
    oidc_audience: str | None = Field(
        default=None,
        description=(
            "Expected 'aud' of bearer tokens: the client id that oauth2-proxy signs in with "
            "(its ID tokens are issued to it), or the api's own for API clients."
        ),
    )
    oidc_extra_audiences: list[str] = Field(
        default_factory=list,
        description=(
            "Further 'aud' values accepted (a JSON list): the client ids of API clients "
            "(a CLI, scripts) when they are not the one oauth2-proxy signs in as."
        ),
    )
    oidc_jwks_url: str | None = Field(
        default=None,
        description="Where the issuer publishes its signing keys (JWKS); required with an issuer.",
    )
    oidc_email_claim: str = Field(default="email", description="Claim holding the email.")
    oidc_groups_claim: str = Field(default="groups", description="Claim holding the groups.")
    oidc_algorithms: list[str] = Field(
        default_factory=lambda: ["RS256"],
        description="Signature algorithms accepted; never 'none', never HMAC with public keys.",
    )
    oidc_jwks_cache_seconds: float = Field(
        default=300.0,
        description=(
            "Seconds fetched signing keys are reused before a refresh starts in the "
            "background (requests do not wait for it), so a key the issuer removed stops "
            "working about this long after. An unknown key id refetches sooner (at most "
            "every oidc_jwks_min_refresh seconds), so key rotation is picked up."
        ),
    )
    oidc_jwks_min_refresh: float = Field(
        default=10.0,
        ge=0,
        description="Least seconds between two JWKS fetches: forged key ids cannot flood the issuer.",
    )
    oidc_jwks_retry_initial: float = Field(
        default=5.0,
        gt=0,
        description=(
            "Seconds before the first retry of a failed JWKS fetch; each further failure "
            "doubles it (with jitter, so replicas spread out) up to oidc_jwks_retry_max. "
            "Meanwhile the last good keys keep verifying tokens and no request waits."
        ),
    )
    oidc_jwks_retry_max: float = Field(
        default=300.0,
        gt=0,
        description=(
            "Most seconds between two JWKS fetch attempts while the issuer is down: a new "
            "key is picked up at most this long after the issuer comes back."
        ),
    )
    oidc_leeway: float = Field(
        default=30.0, description="Seconds of clock skew tolerated on exp, nbf and iat."
    )

    # The live stream (server-sent events).
    events_heartbeat: float = Field(
        default=15.0,
        description=(
            "Seconds between keep-alive comments on an idle event stream; below the 60 s "
            "idle timeout of common proxies."
        ),
    )
    events_queue_size: int = Field(
        default=256,
        ge=1,
        description=(
            "Events buffered per stream client; a client that falls this far behind is "
            "disconnected (it reconnects and re-reads state) rather than slowing the others."
        ),
    )

    events_replay_limit: int = Field(
        default=10_000,
        ge=0,
        description=(
            "Most stream events a reconnecting client's replay may read (every learner's "
            "events since its Last-Event-ID count); beyond it the client is told to resync "
            "(re-read its state) instead, which costs one GET."
        ),
    )
    events_replay_timeout: float = Field(
        default=5.0,
        gt=0,
        description="Seconds to wait for the next replayed event before giving up (resync).",
    )

    shutdown_grace: int = Field(
        default=8,
        gt=0,
        description=(
            "Seconds requests in flight may take to finish after SIGTERM before they are "
            "cancelled. Event streams are ended at once (their browsers reconnect to another "
            "replica and replay what they missed); with the relay and pool stopped after it, "
            "the api is gone well inside Kubernetes' 30 s termination grace."
        ),
    )

    # The workshop gate (docs/src/content/docs/decisions/0050): tickets that let a learner into their workshop.
    environment: Literal["development", "production"] = Field(
        default="production",
        description=(
            "'development' (the dev stack) allows the placeholder gate_ticket_secret; "
            "anything else refuses it at start-up."
        ),
    )
    gate_ticket_secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_SECRET),
        description=(
            "Key of the tickets the open flow issues; the gate's ticket_secret, the same "
            "value. At least 32 random characters outside development."
        ),
    )
    gate_ticket_seconds: int = Field(
        default=60,
        ge=5,
        le=600,
        description=(
            "How long a ticket may wait to be redeemed: one redirect, plus clock skew "
            "between api and gate. It opens one workshop once, whatever its lifetime."
        ),
    )

    # Pages.
    page_size: int = Field(default=50, ge=1, description="Items per page when none is asked.")
    max_page_size: int = Field(
        default=200, ge=1, description="Most items one page may hold, to bound a query."
    )

    @model_validator(mode="after")
    def _oidc_complete(self) -> "ApiSettings":
        if self.oidc_issuer and not (self.oidc_audience and self.oidc_jwks_url):
            raise ValueError("oidc_issuer needs oidc_audience and oidc_jwks_url as well")
        if any(a.lower() == "none" or a.upper().startswith("HS") for a in self.oidc_algorithms):
            raise ValueError("oidc_algorithms: only asymmetric algorithms (RS*, ES*, PS*, EdDSA)")
        return self

    @model_validator(mode="after")
    def _gate_secret_safe(self) -> "ApiSettings":
        problem = weak_secret(self.gate_ticket_secret.get_secret_value())
        if problem and self.environment != "development":
            raise ValueError(
                f"gate_ticket_secret {problem}; set ORCHESTRA_API_GATE_TICKET_SECRET "
                "(or ORCHESTRA_API_ENVIRONMENT=development on a laptop)"
            )
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer)

    @property
    def identity_problem(self) -> str | None:
        """Why the api cannot establish anybody's identity with these settings, if it cannot.

        Not a validation error, so that ``orchestra-api openapi`` runs without settings;
        serving refuses to start with it.
        """
        if self.identity == "token" and not self.oidc_enabled:
            return (
                "ORCHESTRA_API_IDENTITY is 'token' (the default) but no token issuer is set: "
                "set ORCHESTRA_API_OIDC_ISSUER, _OIDC_AUDIENCE and _OIDC_JWKS_URL, or choose "
                "ORCHESTRA_API_IDENTITY=trusted-headers for the one topology where it is safe "
                "(docs/src/content/docs/decisions/0051-identity-from-verified-tokens.md)"
            )
        return None

    @field_validator("admin_emails")
    @classmethod
    def _lowercase(cls, emails: list[str]) -> list[str]:
        return [email.strip().lower() for email in emails]
