"""Settings of the operator, read from ``ORCHESTRA_OPERATOR_*`` environment variables.

The only place the operator reads its environment; ``main.py`` builds one
``OperatorSettings`` and passes it (through Kopf's memo) to every handler.
"""

import os
import socket
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import SettingsConfigDict

from orchestra_shared.archiving import ArchiveSettings
from orchestra_shared.settings import (
    CatalogSettings,
    KubernetesSettings,
    MetricsSettings,
    NatsSettings,
    RetentionSettings,
    TelemetrySettings,
)


class TierPlacement(BaseModel):
    """Where workshops of one tier run: node selector, tolerations, priority class."""

    node_selector: dict[str, str] = Field(default_factory=dict)
    tolerations: list[dict[str, str]] = Field(default_factory=list)
    priority_class: str | None = None


class LearnerQuota(BaseModel):
    """The most one learner's namespace may take, whatever they launch."""

    cpu: str = "8"
    memory: str = "32Gi"
    ephemeral_storage: str = "40Gi"
    pods: int = 6
    persistent_volume_claims: int = 6
    storage: str = "100Gi"


def default_identity() -> str:
    """Host name and pid: unique per process, readable in ``kubectl get lease``."""
    return f"{socket.gethostname()}-{os.getpid()}"


class OperatorSettings(
    NatsSettings, KubernetesSettings, CatalogSettings, MetricsSettings, TelemetrySettings
):
    model_config = SettingsConfigDict(
        env_prefix="ORCHESTRA_OPERATOR_", env_nested_delimiter="__", extra="ignore"
    )

    base_domain: str = Field(
        default="workshops.localhost",
        description="Workshops are served at {instance}.{base_domain} (wildcard DNS).",
    )
    ingress_class: str = Field(default="nginx", description="IngressClass of the controller.")
    workshop_ingress: Literal["shared", "per-host"] = Field(
        default="shared",
        description=(
            "'shared': the operator makes no Ingress; the platform's one wildcard Ingress "
            "(*.{base_domain}, one wildcard certificate, docs/src/content/docs/architecture/gate.md) sends every workshop "
            "host to the gate. 'per-host': an Ingress per workshop, to the gate through an "
            "ExternalName Service in the learner namespace, with its own certificate from "
            "tls_cluster_issuer (every host then appears in Certificate Transparency logs)."
        ),
    )
    gate_namespace: str = Field(
        default="orchestra",
        description=(
            "Namespace of the workshop gate (docs/src/content/docs/decisions/0050): with gate_pod_labels, the only "
            "source of traffic a workshop pod accepts."
        ),
    )
    gate_pod_labels: dict[str, str] = Field(
        default_factory=lambda: {"app.kubernetes.io/name": "orchestra-gate"},
        description="Labels of the gate's pods (the NetworkPolicy admits exactly these).",
    )
    gate_service: str = Field(
        default="orchestra-gate",
        description="The gate's Service in gate_namespace (per-host Ingresses point at it).",
    )
    gate_port: int = Field(default=80, description="Port of the gate's Service.")
    tls_cluster_issuer: str | None = Field(
        default=None,
        description=(
            "cert-manager ClusterIssuer of per-host certificates (workshop_ingress=per-host); "
            "no TLS on per-host Ingresses if unset."
        ),
    )
    url_scheme: str = Field(default="http", description="Scheme of the URLs shown to learners.")
    url_port: int | None = Field(
        default=None,
        description=(
            "Port in the URLs shown to learners; unset in a cluster (443 or 80). The dev "
            "stack sets the port its gate listens on, on loopback."
        ),
    )
    namespace_prefix: str = Field(
        default="orchestra-u-", description="Learner namespaces are {prefix}{owner hash}."
    )
    pool_namespace_prefix: str = Field(
        default="orchestra-pool-",
        description=(
            "Warm instances' namespaces are {prefix}{hash of the instance name}: one each, "
            "never reused, handed to the learner who claims it (docs/src/content/docs/decisions/0070)."
        ),
    )
    quota: LearnerQuota = Field(default_factory=LearnerQuota)
    egress_to_internet: bool = Field(
        default=True, description="Workshops may reach the internet (package installs)."
    )
    egress_denied_cidrs: list[str] = Field(
        default_factory=lambda: [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "169.254.169.254/32",
        ],
        description="Cluster-internal ranges and the cloud metadata address, never reachable.",
    )
    tiers: dict[str, TierPlacement] = Field(
        default_factory=lambda: {"small": TierPlacement(), "large": TierPlacement()},
        description="Tier name → placement; a template's tier must be a key here.",
    )
    reconcile_interval: float = Field(
        default=10.0,
        gt=0,
        description=(
            "Seconds between the resync's looks at every Workshop (one list call) for "
            "what only time brings: startup timeouts, deadlines, failed retention. "
            "Changes themselves are reconciled on their watch events, at once."
        ),
    )
    steady_interval: float = Field(
        default=300.0,
        gt=0,
        description=(
            "Seconds between full reconciliations of every Workshop (about eight API "
            "calls each), for drift a missed watch event did not report. At 500 "
            "Workshops, five minutes costs ~13 calls a second."
        ),
    )
    deadline_grace: float = Field(
        default=120.0,
        ge=0,
        description=(
            "Seconds past a Workshop's spec.expiresAt after which the operator deletes it "
            "itself. Expiry ends workshops at their deadline; this is the backstop for when "
            "expiry is down, its message was lost, or a stray redelivery recreated the "
            "Workshop. Two minutes: long enough that expiry (and its warnings) acts first."
        ),
    )
    failed_retention: float = Field(
        default=60.0,
        description=(
            "Seconds a Failed Workshop is kept so the learner and sync see why, before it "
            "is deleted."
        ),
    )
    commands_batch: int = Field(default=20, description="Commands fetched per pull.")
    commands_concurrency: int = Field(
        default=16,
        ge=1,
        description=(
            "Commands handled at once, each learner's in order (1: one at a time). A launch "
            "is several round trips to the Kubernetes API; handling several learners' at "
            "once keeps a class's burst from queueing behind them."
        ),
    )
    commands_max_attempts: int = Field(
        default=10,
        description=(
            "Deliveries of a command that fails unexpectedly (a bug, not an outage) before it "
            "goes to the dead-letter subject; outages of the Kubernetes API retry for ever."
        ),
    )
    tombstone_ttl: float = Field(
        default=3 * 24 * 3600.0,
        description=(
            "Seconds a terminate that found no Workshop is remembered, so a launch retried "
            "after it does not run (longer than any launch can be delayed)."
        ),
    )
    commands_ack_wait: float = Field(
        default=30.0,
        description=(
            "Seconds JetStream waits for the acknowledgement of a command before it "
            "redelivers it (to whichever replica leads then): a crashed operator's launch "
            "is completed by its successor after at most this long."
        ),
    )
    namespace_grace: float = Field(
        default=600.0,
        description=(
            "Seconds a learner namespace may stay without Workshops and without a "
            "persistent workspace before it is deleted; long enough that a learner "
            "relaunching after a failure keeps their namespace."
        ),
    )
    archives: ArchiveSettings = Field(
        default_factory=ArchiveSettings,
        description="Where exported work folders go (``ORCHESTRA_ARCHIVES_*``, shared with the api).",
    )
    retention: RetentionSettings = Field(
        default_factory=RetentionSettings,
        description="Every retention period (``ORCHESTRA_RETENTION_*``, shared by every service).",
    )
    export_attempts: int = Field(
        default=3,
        ge=1,
        description=(
            "Tries to save a work folder before its Workshop is deleted; after the last, the "
            "failure is recorded and the Workshop deleted anyway (docs/src/content/docs/decisions/0060)."
        ),
    )
    export_timeout: float = Field(
        default=25.0,
        gt=0,
        description=(
            "Seconds one export attempt may take (tar over pods/exec into the store). With "
            "the attempts it bounds how long a terminate waits, so it must fit in "
            "deadline_grace (checked): a workshop still ends by its deadline plus the grace."
        ),
    )
    identity: str = Field(
        default_factory=default_identity,
        description=(
            "This replica's name in the leader Lease and on its Kubernetes Events; set it "
            "to the pod name (downward API). Defaults to host name and pid."
        ),
    )
    leader_election: bool = Field(
        default=True,
        description=(
            "Act only while holding the Lease (see docs/src/content/docs/decisions/0010); off only for a single "
            "replica that must not touch Leases."
        ),
    )
    lease_name: str = Field(default="orchestra-operator", description="Name of the leader Lease.")
    lease_namespace: str = Field(
        default="default",
        description="Namespace of the leader Lease: the operator's own (the chart sets it).",
    )
    lease_duration: int = Field(
        default=15,
        ge=1,
        description=(
            "Seconds a Lease that nobody renews stays with its holder: how long a crashed "
            "leader's replica waits before taking over (as client-go's default)."
        ),
    )
    lease_renew_interval: float = Field(
        default=2.0, gt=0, description="Seconds between renewals of a held Lease."
    )
    lease_renew_deadline: float = Field(
        default=10.0,
        gt=0,
        description=(
            "Seconds the leader keeps acting without a successful renewal before it gives "
            "up and exits; shorter than lease_duration, so it has stopped before anyone "
            "else can take over."
        ),
    )

    @property
    def export_budget(self) -> float:
        """The longest a terminate waits for its export: every attempt and the pauses."""
        return self.export_attempts * self.export_timeout + sum(range(self.export_attempts))

    @model_validator(mode="after")
    def _exports_fit_in_the_grace(self) -> "OperatorSettings":
        if self.archives.backend != "none" and (
            self.export_budget + self.export_timeout > self.deadline_grace
        ):
            raise ValueError(
                "need export_attempts * export_timeout (plus pauses, plus the backstop's one "
                "attempt) within deadline_grace, so that exports never keep a workshop past "
                "its deadline plus the grace"
            )
        return self

    @model_validator(mode="after")
    def _renewals_fit_in_the_lease(self) -> "OperatorSettings":
        if not self.lease_renew_interval < self.lease_renew_deadline < self.lease_duration:
            raise ValueError(
                "need lease_renew_interval < lease_renew_deadline < lease_duration, so a "
                "leader that cannot renew stops before its Lease can be taken"
            )
        return self
