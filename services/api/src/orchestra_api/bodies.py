"""Request and response bodies of the HTTP API (the OpenAPI schema is built from these)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestra_shared.phases import Phase


class LaunchBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"template": "rstudio", "duration": "2h"}]}
    )

    template: str = Field(min_length=1, description="Slug of the template to launch.")
    duration: str | None = Field(
        default=None,
        description="How long to run, e.g. '90m' or '2h'; the template's default when absent.",
    )


class InstanceBody(BaseModel):
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


class HealthBody(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, Any] = Field(default_factory=dict)
