"""Response bodies of the audit and of the learners' persistent workspaces (docs/src/content/docs/decisions/0062).

Kept apart from ``bodies`` (instances, templates, archives) so each module stays one
subject; used by ``routes.admin`` and ``routes.workspaces``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from orchestra_api.journaling import Entry
from orchestra_api.workspacing import Workspace


class AuditEntryBody(BaseModel):
    """One admin or instructor action: who did what to what, and when."""

    id: int
    occurred_at: datetime
    actor: str = Field(description="Who acted (their email).")
    role: str = Field(description="'admin' or 'instructor'.")
    action: str = Field(
        description=(
            "instance.terminate, instance.extend, class.create, class.extend, class.end or "
            "class.message."
        )
    )
    target_kind: str = Field(description="'instance' or 'class'.")
    target: str = Field(description="The instance's name or the class's id.")
    subject: str | None = Field(description="The learner concerned, when there is one.")
    details: dict[str, Any] = Field(description="What the action said (the extension, ...).")

    @classmethod
    def of(cls, entry: Entry) -> AuditEntryBody:
        return cls(
            id=entry.id,
            occurred_at=entry.occurred_at,
            actor=entry.actor,
            role=entry.role,
            action=entry.action,
            target_kind=entry.target_kind,
            target=entry.target,
            subject=entry.subject,
            details=entry.details,
        )


class AuditPage(BaseModel):
    """One page of the audit, newest first; pass ``next`` as ``cursor`` for the following one."""

    items: list[AuditEntryBody]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class WorkspaceBody(BaseModel):
    """One of the caller's persistent workspaces (a volume kept across sessions of a template)."""

    template: str = Field(description="The template whose sessions mount it.")
    template_name: str | None = Field(description="Its display name; null if it left the catalog.")
    last_used_at: datetime = Field(
        description="When a session last used it (running now counts as now) or it was kept."
    )
    in_use: bool = Field(description="A session of the template is running or starting.")
    warning_at: datetime = Field(description="When its learner is (or was) warned.")
    deletes_at: datetime = Field(
        description="When retention deletes it unless a session uses it or it is kept first."
    )
    warned: bool = Field(description="Whether the deletion warning was sent for this last use.")

    @classmethod
    def of(cls, workspace: Workspace, template_name: str | None) -> WorkspaceBody:
        return cls(
            template=workspace.template_slug,
            template_name=template_name,
            last_used_at=workspace.last_used_at,
            in_use=workspace.in_use,
            warning_at=workspace.warning_at,
            deletes_at=workspace.deletes_at,
            warned=workspace.warned,
        )
