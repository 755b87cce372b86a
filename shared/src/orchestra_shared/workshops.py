"""The ``Workshop`` custom resource (``orchestra.io/v1``): its spec, status and manifest.

The operator resolves the template named by a launch in its own copy of the
catalog into a ``WorkshopSpec`` and creates the Workshop from it, so a Workshop
describes itself even after its template changes; the api resolves the same
template the same way (``spec_from_template``) for the snapshot on the instance
row. The launch event carries only the slug (docs/src/content/docs/decisions/0052). The CRD in ``charts/orchestra/crds/workshops.yaml`` declares
the same shape (a test keeps the two in step).

Field names are camelCase on the wire, as in every Kubernetes resource.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from orchestra_shared import labels
from orchestra_shared.owners import owner_hash
from orchestra_shared.phases import Phase
from orchestra_shared.templates import DEFAULT_SECURITY_PROFILE, SecurityProfile, Template

GROUP = labels.GROUP
VERSION = "v1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "Workshop"
PLURAL = "workshops"


class _Resource(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True
    )


class ContainerResources(_Resource):
    """Kubernetes-native requests and limits (``cpu``, ``memory``, ``ephemeral-storage``)."""

    limits: dict[str, str] = Field(default_factory=dict)
    requests: dict[str, str] = Field(default_factory=dict)


class WorkshopStorage(_Resource):
    size: str
    storage_class: str | None = None
    # "per-user": one volume per learner and template that outlives each session.
    persist: Literal["per-user"] | None = None


class WorkshopSpec(_Resource):
    """Everything the operator needs to run one workshop; fixed at launch except ``expiresAt``
    (and ``owner``, once, when a learner claims a warm instance: docs/src/content/docs/decisions/0070)."""

    owner: str = Field(
        min_length=1,
        description=(
            "The learner's email; 'pool:<class id>' while a warm instance waits for a "
            "learner, who then owns it for good."
        ),
    )
    template: str = Field(min_length=1, description="Slug of the template it came from.")
    template_name: str
    image: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)
    env: dict[str, str] = Field(default_factory=dict)
    args: list[str] = Field(default_factory=list)
    resources: ContainerResources = Field(default_factory=ContainerResources)
    storage: WorkshopStorage | None = None
    tier: str = "small"
    expires_at: AwareDatetime
    startup_timeout_seconds: int = Field(default=600, ge=1)
    security_profile: SecurityProfile = Field(
        default=DEFAULT_SECURITY_PROFILE,
        description=(
            "How the pod runs: 'restricted' (unprivileged from the first process) or "
            "'root-init' (an init system starts as root and drops to a user; Pod Security "
            "baseline). Resolved from the catalog at launch (docs/src/content/docs/operators/security-profiles.md)."
        ),
    )


class Condition(_Resource):
    type: str
    status: Literal["True", "False", "Unknown"]
    reason: str | None = None
    message: str | None = None
    last_transition_time: datetime


# How many transitions the operator keeps in ``status.transitions`` (newest last).
TRANSITIONS_KEPT = 10


class Transition(_Resource):
    """One phase change as the operator made it, kept so sync can replay what it missed."""

    phase: Phase
    reason: str | None = None
    message: str | None = None
    time: datetime


class WorkshopStatus(_Resource):
    """Written by the operator only; read by sync."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", alias_generator=to_camel, populate_by_name=True
    )

    phase: Phase | None = None
    reason: str | None = None
    message: str | None = None
    url: str | None = None
    phase_changed_at: datetime | None = None
    ready_at: datetime | None = None
    observed_generation: int | None = None
    conditions: list[Condition] = Field(default_factory=list)
    # The last ``TRANSITIONS_KEPT`` phase changes, oldest first, the current phase last;
    # appended in the same status write that changes ``phase`` and ``phaseChangedAt``.
    transitions: list[Transition] = Field(default_factory=list, max_length=TRANSITIONS_KEPT)


def workshop_labels(spec: WorkshopSpec) -> dict[str, str]:
    """Labels every Workshop carries; the owner only as a hash."""
    return {
        labels.MANAGED_BY: labels.MANAGER,
        labels.OWNER_HASH: owner_hash(spec.owner),
        labels.TEMPLATE: spec.template[:63],
    }


def workshop_manifest(
    *,
    name: str,
    namespace: str,
    spec: WorkshopSpec,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The Workshop object to create; pure, so the CLI can print it and tests can inspect it."""
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": workshop_labels(spec),
            "annotations": dict(annotations or {}),
        },
        "spec": spec.model_dump(mode="json", by_alias=True, exclude_none=True),
    }


def container_resources(template: Template) -> ContainerResources:
    """The template's resources in Kubernetes' own shape."""
    res = template.resources
    return ContainerResources(
        limits={"cpu": res.cpu, "memory": res.memory, "ephemeral-storage": res.ephemeral_storage},
        requests={
            "cpu": res.cpu_request,
            "memory": res.memory_request,
            "ephemeral-storage": res.ephemeral_storage_request,
        },
    )


def spec_from_template(template: Template, *, owner: str, expires_at: datetime) -> WorkshopSpec:
    """Resolve a template into the spec a launch records and the operator runs (pure)."""
    storage = None
    if template.storage is not None:
        storage = WorkshopStorage(
            size=template.storage.size,
            storage_class=template.storage.storage_class,
            persist=template.storage.workspace.persist if template.storage.workspace else None,
        )
    return WorkshopSpec(
        owner=owner,
        template=template.slug,
        template_name=template.name,
        image=template.image,
        port=template.port,
        env=dict(template.env),
        args=list(template.args),
        resources=container_resources(template),
        storage=storage,
        tier=template.tier,
        expires_at=expires_at,
        startup_timeout_seconds=int(template.startup_timeout.total_seconds()),
        security_profile=template.security_profile or DEFAULT_SECURITY_PROFILE,
    )
