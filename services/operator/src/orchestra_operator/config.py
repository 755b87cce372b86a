"""Settings of the operator, read from ``ORCHESTRA_OPERATOR_*`` environment variables.

The only place the operator reads its environment; ``main.py`` builds one
``OperatorSettings`` and passes it (through Kopf's memo) to every handler.
"""

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from orchestra_shared.settings import KubernetesSettings, NatsSettings


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


class OperatorSettings(NatsSettings, KubernetesSettings):
    model_config = SettingsConfigDict(
        env_prefix="ORCHESTRA_OPERATOR_", env_nested_delimiter="__", extra="ignore"
    )

    base_domain: str = Field(
        default="workshops.localhost",
        description="Workshops are served at {instance}.{base_domain} (wildcard DNS).",
    )
    ingress_class: str = Field(default="nginx", description="IngressClass of the controller.")
    ingress_namespace: str = Field(
        default="ingress-nginx",
        description="Namespace of the ingress controller: the only source of traffic to pods.",
    )
    tls_cluster_issuer: str | None = Field(
        default=None, description="cert-manager ClusterIssuer for workshop hosts; no TLS if unset."
    )
    url_scheme: str = Field(default="http", description="Scheme of the URLs shown to learners.")
    namespace_prefix: str = Field(
        default="orchestra-u-", description="Learner namespaces are {prefix}{owner hash}."
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
        default=1.0,
        description=(
            "Seconds between level-based reconciliations of a Workshop that is not Ready "
            "yet; short, because a learner is waiting."
        ),
    )
    steady_interval: float = Field(
        default=15.0, description="Seconds between reconciliations of a Ready Workshop (drift)."
    )
    failed_retention: float = Field(
        default=60.0,
        description=(
            "Seconds a Failed Workshop is kept so the learner and sync see why, before it "
            "is deleted."
        ),
    )
    commands_batch: int = Field(default=20, description="Commands fetched per pull.")
    peering_priority: int = Field(
        default=0, description="Kopf peering priority; the highest-priority replica acts."
    )
    standalone: bool = Field(
        default=True,
        description="Run without Kopf peering (one replica); set False for an HA pair.",
    )
