"""The workshop template: what a catalog file may say, and the platform's caps on it.

A template is permission to run one image in the cluster, so the model is strict: unknown
keys are errors, every scalar has exactly one accepted type, quantities and durations are
checked, and a request is never above its limit. Field names in files are camelCase (the
aliases); Python code may use either spelling.

Who uses it: ``orchestra_shared.catalogs`` loads files into it; the API lists and launches
from it and stores ``model_dump(mode="json", by_alias=True)`` as an instance's resolved spec;
the Workshop manifest builder reads it; the CLI validates and renders it.

A template may declare its security profile (``securityProfile``): ``restricted`` for images
that run as an unprivileged user from their first process, ``root-init`` for images whose
init system starts as root and drops to a user (the rocker/Bioconductor RStudio images). A
file that says nothing leaves it ``None`` here; the catalog loader then fills it from the
platform's overlay (``orchestra_shared.security_profiles``, docs/src/content/docs/decisions/0053).

Caps (``TemplateLimits``) are a platform setting, not part of a template. They are applied
when a validation context carries them (``context={"limits": limits}``), which the catalog
loader always does; a snapshot read back later is not re-judged against today's caps.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from orchestra_shared.durations import Duration, format_duration
from orchestra_shared.quantities import ByteQuantity, Quantity, parse_quantity

__all__ = [
    "DEFAULT_SECURITY_PROFILE",
    "POD_SECURITY_LEVELS",
    "PodSecurityLevel",
    "Resources",
    "SecurityProfile",
    "Storage",
    "Template",
    "TemplateLimits",
    "Workspace",
    "template_json_schema",
]

SLUG_MAX_LENGTH = 40
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$"  # an RFC 1123 label of at most 40
# Docker's reference grammar, slightly simplified: registry[:port]/path[:tag][@digest].
IMAGE_PATTERN = (
    r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
    r"(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$"
)
SecurityProfile = Literal["restricted", "root-init"]
"""How much the pod of a template may do; each profile fits one Pod Security Standards level."""
PodSecurityLevel = Literal["restricted", "baseline"]
"""The Pod Security Standards levels a learner namespace may enforce (``privileged`` never)."""
POD_SECURITY_LEVELS: dict[SecurityProfile, PodSecurityLevel] = {
    "restricted": "restricted",
    "root-init": "baseline",
}
"""The level a namespace must allow for a pod of each profile."""
DEFAULT_SECURITY_PROFILE: SecurityProfile = "restricted"
"""The profile of a template that neither its file nor the platform's overlay declares."""
URL_PATTERN = r"^https?://[^\s/]+\S*$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


def _matching(pattern: str, explain: str) -> AfterValidator:
    """A validator that checks ``pattern`` and, when it fails, says ``explain`` in words."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"{value!r} {explain}")
        return value

    return AfterValidator(check)


Slug = Annotated[
    str,
    _matching(
        SLUG_PATTERN,
        "is not a valid slug: use at most 40 lowercase letters, digits and '-', "
        "starting and ending with a letter or digit",
    ),
    WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN, "maxLength": SLUG_MAX_LENGTH}),
]
Image = Annotated[
    str,
    _matching(IMAGE_PATTERN, "is not an image reference such as 'quay.io/org/name:tag'"),
    WithJsonSchema({"type": "string", "pattern": IMAGE_PATTERN}),
]
Url = Annotated[
    str,
    _matching(URL_PATTERN, "is not an http(s) URL"),
    WithJsonSchema({"type": "string", "pattern": URL_PATTERN}),
]
EnvName = Annotated[
    str,
    _matching(ENV_NAME_PATTERN, "is not an environment variable name (letters, digits, '_')"),
    WithJsonSchema({"type": "string", "pattern": ENV_NAME_PATTERN}),
]


def _unprivileged(port: int) -> int:
    if port < 1024:
        raise ValueError(
            f"{port} is below 1024: workshop containers run without root and cannot listen "
            "there; make the application listen on a port such as 8080"
        )
    return port


class TemplateLimits(BaseModel):
    """The platform's caps on what a template may ask for; the API builds one from settings."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    max_duration: Duration = timedelta(days=1)
    """Longest session a template may grant. One day covers a full workshop day in any time
    zone, and anything forgotten is reclaimed by the next morning. Also the ``maxDuration`` of
    templates that do not set one."""
    max_cpu: Quantity = "8"
    """Largest CPU limit (cores, as a quantity): half of a common 16-core node."""
    max_memory: ByteQuantity = "32Gi"
    """Largest memory limit: enough for single-cell analyses, half of a common 64Gi node."""
    max_ephemeral_storage: ByteQuantity = "50Gi"
    """Largest scratch disk (image layers excluded); node disks are usually 100Gi."""
    max_storage_size: ByteQuantity = "100Gi"
    """Largest persistent volume a template may ask for."""
    max_startup_timeout: Duration = timedelta(hours=1)
    """Longest a launch may wait to become Ready; a cold pull of a 10GB image fits easily."""


_PLATFORM_MAX_DURATION = TemplateLimits().max_duration


def _limits(info: ValidationInfo) -> TemplateLimits | None:
    context = info.context
    if isinstance(context, dict):
        limits = context.get("limits")
        if isinstance(limits, TemplateLimits):
            return limits
    return None


def _cap(value: str, cap: str, what: str) -> str:
    if parse_quantity(value) > parse_quantity(cap):
        raise ValueError(f"{value!r} is above the platform's maximum {what} of {cap!r}")
    return value


def _not_above(limit_field: str) -> Callable[[str, ValidationInfo], str]:
    """A validator for a request field: it must not exceed the limit validated before it."""

    def check(value: str, info: ValidationInfo) -> str:
        limit = info.data.get(limit_field)
        if isinstance(limit, str) and parse_quantity(value) > parse_quantity(limit):
            alias = to_camel(limit_field)
            raise ValueError(f"request {value!r} is above the limit {alias}: {limit!r}")
        return value

    return check


class _Strict(BaseModel):
    model_config = ConfigDict(
        strict=True,
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        use_attribute_docstrings=True,
        field_title_generator=lambda name, _: to_camel(name),
    )


class Resources(_Strict):
    """CPU, memory and scratch disk of the workshop container (Kubernetes quantities)."""

    cpu: Quantity
    """CPU limit, such as '2' or '500m'."""
    memory: ByteQuantity
    """Memory limit, such as '4Gi'."""
    cpu_request: Quantity = Field(default_factory=lambda data: data.get("cpu", "1"))
    """CPU reserved on the node; defaults to the limit, as in Kubernetes."""
    memory_request: ByteQuantity = Field(default_factory=lambda data: data.get("memory", "1Gi"))
    """Memory reserved on the node; defaults to the limit, as in Kubernetes."""
    ephemeral_storage: ByteQuantity = "8Gi"
    """Scratch disk limit (container writes outside volumes)."""
    ephemeral_storage_request: ByteQuantity = Field(
        default_factory=lambda data: data.get("ephemeral_storage", "1Gi")
    )
    """Scratch disk reserved on the node; defaults to the limit."""

    _cpu_request_check = field_validator("cpu_request")(_not_above("cpu"))
    _memory_request_check = field_validator("memory_request")(_not_above("memory"))
    _storage_request_check = field_validator("ephemeral_storage_request")(
        _not_above("ephemeral_storage")
    )

    @field_validator("cpu", "memory", "ephemeral_storage")
    @classmethod
    def _within_caps(cls, value: str, info: ValidationInfo) -> str:
        limits = _limits(info)
        if limits is None:
            return value
        if info.field_name == "cpu":
            return _cap(value, limits.max_cpu, "CPU")
        if info.field_name == "memory":
            return _cap(value, limits.max_memory, "memory")
        return _cap(value, limits.max_ephemeral_storage, "ephemeral storage")


class Workspace(_Strict):
    """How the learner's files outlive a session."""

    persist: Literal["per-user"] | None = None
    """'per-user': one volume per learner and template, kept across sessions; absent: the
    volume is deleted with the workshop."""


class Storage(_Strict):
    """A persistent volume mounted as the learner's working directory."""

    size: ByteQuantity
    """Volume size, such as '10Gi'."""
    storage_class: str | None = None
    """StorageClass of the volume; absent: the cluster's default class."""
    workspace: Workspace | None = None
    """Whether the volume outlives the session."""

    @field_validator("size")
    @classmethod
    def _within_cap(cls, value: str, info: ValidationInfo) -> str:
        limits = _limits(info)
        return value if limits is None else _cap(value, limits.max_storage_size, "storage size")


_DEFAULT_IDLE_WARNING = timedelta(minutes=5)


class Idle(_Strict):
    """When a session nobody uses ends (docs/src/content/docs/decisions/0060): the gate counts the learner's own
    traffic (docs/src/content/docs/learners/end-of-a-session.md says what counts); after ``timeout`` without any, the session
    ends with reason 'idle', and ``warning`` before that the learner is asked whether to keep it."""

    timeout: Duration
    """No activity for this long ends the session, such as '30m'."""
    warning: Duration = Field(
        default=_DEFAULT_IDLE_WARNING,
        json_schema_extra={"default": format_duration(_DEFAULT_IDLE_WARNING)},
    )
    """How long before the end the learner is warned and can keep the session with one click;
    shorter than the timeout."""

    @field_validator("warning")
    @classmethod
    def _shorter_than_timeout(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be positive")
        timeout = info.data.get("timeout")
        if isinstance(timeout, timedelta) and value >= timeout:
            raise ValueError(
                f"{format_duration(value)} is not shorter than the idle timeout "
                f"({format_duration(timeout)})"
            )
        return value


class Template(_Strict):
    """One entry of the catalog: an image, how to run it, and for how long."""

    name: str = Field(min_length=1, max_length=100)
    """Title shown to learners."""
    slug: Slug
    """Stable identifier (an RFC 1123 label, at most 40 characters); equals the file name."""
    description: str = Field(min_length=1)
    """What learners get, in Markdown."""
    image: Image
    """Container image reference, such as 'quay.io/jupyter/base-notebook:2024-10-07'."""
    default_duration: Duration
    """Session length at launch, such as '4h'."""
    max_duration: Duration = Field(
        default=_PLATFORM_MAX_DURATION,
        json_schema_extra={"default": format_duration(_PLATFORM_MAX_DURATION)},
    )
    """Longest a session may be extended to; absent: the platform's maximum duration."""
    port: Annotated[int, AfterValidator(_unprivileged)] = Field(
        le=65535, json_schema_extra={"minimum": 1024}
    )
    """Port the application listens on; below 1024 needs NET_BIND_SERVICE, which no workshop
    pod gets (not even a root-init one)."""
    tier: Literal["small", "large"] = "small"
    """Node pool class the workshop is scheduled on (mapped to node labels in settings)."""
    env: dict[EnvName, str] = Field(default={}, json_schema_extra={"additionalProperties": False})
    """Environment variables of the container."""
    args: list[str] = []
    """Arguments passed to the image's entrypoint."""
    resources: Resources
    """CPU, memory and scratch disk."""
    storage: Storage | None = None
    """Persistent volume; absent: the workshop keeps files only in scratch disk."""
    tags: list[Annotated[str, Field(min_length=1)]] = []
    """Keywords for filtering the catalog."""
    enabled: bool = True
    """Disabled templates are hidden from learners and still listed for admins."""
    url: Url | None = None
    """Workshop material (course website)."""
    source_url: Url | None = None
    """Where the image is built from."""
    submitted_by: str | None = None
    """Who proposed the template (a GitHub handle or an email)."""
    startup_timeout: Duration = timedelta(minutes=10)
    """How long a launch may take to become Ready before it is marked Failed."""
    security_profile: SecurityProfile | None = None
    """'restricted': the image runs as an unprivileged user from its first process (Jupyter
    docker-stacks, code-server). 'root-init': its init system starts as root and drops to a
    user (rocker/Bioconductor RStudio); the pod then needs Pod Security 'baseline'. Absent:
    the platform's catalog overlay decides, else 'restricted'."""
    idle: Idle | None = None
    """End the session after a time without activity, warning first; absent: a session is
    never ended for idleness (only by its deadline or by someone)."""

    @model_validator(mode="before")
    @classmethod
    def _platform_max_duration(cls, data: Any, info: ValidationInfo) -> Any:
        # The field default is the default platform maximum; with caps in the context, an
        # absent maxDuration follows the platform's actual maximum instead.
        limits = _limits(info)
        keys = ("maxDuration", "max_duration")
        if limits is not None and isinstance(data, dict) and not any(k in data for k in keys):
            return {**data, "maxDuration": limits.max_duration}
        return data

    @field_validator("default_duration", "max_duration")
    @classmethod
    def _within_platform_maximum(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        limits = _limits(info)
        if limits is not None and value > limits.max_duration:
            cap = format_duration(limits.max_duration)
            raise ValueError(f"{format_duration(value)} is above the platform maximum of {cap}")
        default = info.data.get("default_duration")
        if info.field_name == "max_duration" and isinstance(default, timedelta) and value < default:
            raise ValueError(
                f"{format_duration(value)} is shorter than defaultDuration "
                f"({format_duration(default)})"
            )
        return value

    @field_validator("startup_timeout")
    @classmethod
    def _within_startup_cap(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        limits = _limits(info)
        if limits is not None and value > limits.max_startup_timeout:
            cap = format_duration(limits.max_startup_timeout)
            raise ValueError(f"{format_duration(value)} is above the platform maximum of {cap}")
        return value


def template_json_schema() -> dict[str, object]:
    """The JSON Schema of a template file, as committed next to the catalog for editors."""
    schema: dict[str, object] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://orchestra.io/schemas/template.schema.json",
    }
    schema.update(Template.model_json_schema(by_alias=True, mode="validation"))
    return schema
