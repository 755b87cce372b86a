"""Request and response bodies of the HTTP API (the OpenAPI schema is built from these)."""

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from orchestra_api.records import InstanceRecord
from orchestra_shared.phases import Phase


def _no_schema_default(schema: JsonDict) -> None:
    schema.pop("default", None)


class LaunchBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"template": "rstudio", "duration": "2h"}]}
    )

    template: str = Field(min_length=1, description="Slug of the template to launch.")
    duration: str | None = Field(
        default=None,
        description="How long to run, e.g. '90m' or '2h'; the template's default when absent.",
    )
    wait_in_line: bool = Field(
        default=True,
        description=(
            "When the platform is full: true (the default) waits in line (202 with a "
            "ticket); false answers 429 with Retry-After, for a client that retries itself."
        ),
        # Not "default" in the schema: generated clients would then make it required in
        # the request, and existing callers, who never send it, must keep compiling.
        json_schema_extra=_no_schema_default,
    )


INSTANCE_EXAMPLE: JsonDict = {
    "name": "rstudio-0901-x7k2p",
    "owner": "ada@example.org",
    "template": "rstudio",
    "template_name": "RStudio",
    "phase": "Ready",
    "reason": None,
    "message": None,
    "url": "https://rstudio-0901-x7k2p.workshops.example.org/",
    "created_at": "2025-09-01T09:00:00Z",
    "expires_at": "2025-09-01T11:00:00Z",
    "ready_at": "2025-09-01T09:00:41Z",
    "terminated_at": None,
    "extensions": 0,
    "terminate_requested_at": None,
    "extensions_left": 2,
    "latest_expires_at": "2025-09-01T13:00:00Z",
}


class IdleStateBody(BaseModel):
    """Where a running session stands with its template's idle rule (docs/src/content/docs/decisions/0060)."""

    last_active_at: datetime = Field(description="Its last activity (or when it became Ready).")
    warning_at: datetime = Field(description="When its learner is (or was) warned.")
    ends_at: datetime = Field(description="When it ends with reason 'idle' unless kept.")
    warned: bool = Field(
        description="The idle warning went out for this idle period: show 'Keep my session'."
    )


class InstanceBody(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [INSTANCE_EXAMPLE]})

    name: str
    owner: str
    template: str
    template_name: str
    phase: Phase
    reason: str | None
    message: str | None
    url: str | None
    created_at: datetime
    expires_at: datetime
    ready_at: datetime | None
    terminated_at: datetime | None
    extensions: int
    terminate_requested_at: datetime | None = Field(
        default=None, description="When someone asked to end it early; null otherwise."
    )
    extensions_left: int = Field(
        description="How many more times it may be extended (the platform's limit)."
    )
    latest_expires_at: datetime | None = Field(
        description=(
            "The latest deadline an extension can reach (launch + the template's maximum "
            "duration at launch); null for instances launched before it was recorded."
        )
    )
    class_id: str | None = Field(
        default=None,
        description="The class it was launched for; its instructors may help, with consent.",
    )
    idle: IdleStateBody | None = Field(
        default=None,
        description=(
            "The idle rule's state while the session runs, so a reloaded dashboard still "
            "shows a warning; null when its template has no idle timeout or it is not Ready."
        ),
    )

    @classmethod
    def of(
        cls, record: InstanceRecord, *, max_extensions: int, idle: IdleStateBody | None = None
    ) -> "InstanceBody":
        latest = (
            record.created_at + timedelta(seconds=record.max_duration_seconds)
            if record.max_duration_seconds is not None
            else None
        )
        return cls(
            name=record.name,
            owner=record.owner,
            template=record.template_slug,
            template_name=record.template_name,
            phase=record.phase,  # only phases are ever written
            reason=record.reason,
            message=record.message,
            url=record.url,
            created_at=record.created_at,
            expires_at=record.expires_at,
            ready_at=record.ready_at,
            terminated_at=record.terminated_at,
            extensions=record.extensions,
            terminate_requested_at=record.terminate_requested_at,
            extensions_left=max(0, max_extensions - record.extensions),
            latest_expires_at=latest,
            class_id=record.class_id,
            idle=idle,
        )


class HistoryEntryBody(BaseModel):
    phase: Phase
    reason: str | None
    message: str | None
    transitioned_at: datetime


class HistoryBody(BaseModel):
    instance: str
    transitions: list[HistoryEntryBody]


class MeBody(BaseModel):
    email: str
    user: str | None
    groups: list[str]
    is_admin: bool
    may_create_classes: bool = Field(
        default=False,
        description="An admin or a member of the instructors' group: the dashboard offers "
        "the class form.",
    )
    cluster: Literal["emulated", "real"]
    cluster_note: str | None = Field(
        description="Plain words on what the cluster is, e.g. that no pod really runs."
    )


class TemplateBody(BaseModel):
    slug: str
    name: str
    description: str
    image: str
    default_duration: str
    max_duration: str
    tier: str
    tags: list[str]
    enabled: bool
    url: str | None
    source_url: str | None


class TemplateSourceBody(TemplateBody):
    """A template as admins review it: its fields, and the file as its author wrote it."""

    file: str = Field(description="The file's name in the catalog directory.")
    yaml: str = Field(description="The file's text, unchanged.")


class HealthBody(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, Any] = Field(default_factory=dict)


class ExtendBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"by": "1h"}]})

    by: str = Field(min_length=1, max_length=20, description="How much longer, e.g. '30m' or '1h'.")


class OpenBody(BaseModel):
    """Where to send the browser to enter a workshop: its host, with a single-use ticket."""

    url: str = Field(description="The workshop host's open path with a ticket; go there now.")
    expires_at: datetime = Field(description="The ticket is refused after this (about a minute).")


class KeptBody(BaseModel):
    """The learner's "Keep my session" was recorded; the idle clock restarts from ``kept_at``."""

    instance: str
    kept_at: datetime = Field(description="Counted as activity from this moment on.")


class IdleSessionBody(BaseModel):
    """A running session its template ends after a time without activity (docs/src/content/docs/decisions/0060)."""

    name: str
    owner: str
    template: str
    last_active_at: datetime = Field(
        description="The last activity: counted traffic through the gate, a keep, or Ready."
    )
    warning_at: datetime = Field(description="When its learner is (or was) warned.")
    ends_at: datetime = Field(description="When it ends with reason 'idle' unless kept.")
    warned: bool = Field(description="Whether the learner was warned for this idle period.")


class InstancePage(BaseModel):
    """One page of instances, newest first; pass ``next`` as ``cursor`` for the following one."""

    items: list[InstanceBody]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class TemplateStatsBody(BaseModel):
    template: str = Field(description="Template slug (stable across renames).")
    launches: int
    active: int = Field(description="Instances running or starting now.")
    unique_users: int
    median_seconds_to_ready: float | None = Field(
        description="Median of ready_at - created_at over instances that became Ready."
    )
    p95_seconds_to_ready: float | None


class StatsBody(BaseModel):
    since: datetime | None = Field(description="Launches counted from this time; null: all time.")
    templates: list[TemplateStatsBody]


class ProblemBody(BaseModel):
    """RFC 9457 problem details; ``type`` is stable, ``detail`` is for humans."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "https://orchestra.io/problems/not-found",
                    "title": "Not found",
                    "status": 404,
                    "detail": "no instance named 'rstudio-0901-x7k2p'",
                    "instance": "/api/v1/instances/rstudio-0901-x7k2p",
                }
            ]
        },
    )

    type: str
    title: str
    status: int
    detail: str
    instance: str


class ExportBody(BaseModel):
    """The export was asked for; the archive shows in ``GET /api/v1/archives`` once saved."""

    instance: str
    requested_at: datetime


class ArchiveBody(BaseModel):
    """One saved copy of a workshop's work folder (a gzip'd tar), the caller's own."""

    id: str = Field(description="Its name in ``GET /api/v1/archives/{id}``.")
    instance: str
    created_at: datetime
    size: int = Field(description="Bytes of the archive (compressed).")
    expires_at: datetime = Field(description="When retention deletes it: kept until then.")


class RetentionBody(BaseModel):
    """How long the platform keeps each thing (``ORCHESTRA_RETENTION_*``), in seconds."""

    history_seconds: int = Field(description="An ended session and its history, after it ended.")
    archives_seconds: int = Field(description="An exported work folder, after the export.")
    workspaces_seconds: int = Field(
        description="A persistent workspace, after the last session that used it ended."
    )
    workspace_warning_seconds: int = Field(description="Warned this long before that.")
    audit_seconds: int = Field(description="The audit of admin and instructor actions.")
    exports_enabled: bool = Field(description="Whether work folders are saved at all.")
