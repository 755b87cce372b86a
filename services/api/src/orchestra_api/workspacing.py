"""The learners' persistent workspaces: when each was last used, the warning, and their end.

A template with ``storage.workspace.persist: per-user`` mounts one volume per learner
(``workspace-{template}`` in their namespace) that outlives sessions. The operator
creates and deletes the volume; the api, which knows who launched what, keeps the record
that decides its end (``workspaces``, docs/src/content/docs/decisions/0062):

- a launch of such a template marks it used now (``touch``, in the launch's transaction);
  each reaper round folds in the sessions since (one running counts as now, one ended at
  its end);
- ``RetentionSettings.workspaces`` after the last use, it is deleted; the learner is warned
  ``workspace_warning`` before (``workspace expiring`` on the live stream, and the dashboard
  shows it on load), and the deletion is never sooner than ``workspace_warning`` after the
  warning went out, so a reaper that was down does not delete without notice;
- "Keep my workspace" (``keep``) or any launch of the template makes it used now;
- the deletion is ``workspace delete requested`` in the outbox, in the same transaction as
  the row's removal; the operator deletes the volume (and counts it). A launch racing
  the decision either bumps the row first (the conditional delete then finds nothing) or
  comes after it (and gets a new, empty workspace).

Workspaces made before this record existed have no row and are never deleted by it.
Called by ``launching``, ``routes.workspaces`` and ``main``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from orchestra_api.problems import NotFound
from orchestra_api.records import add_to_outbox
from orchestra_shared.events import WorkspaceDeleteRequested, WorkspaceExpiring
from orchestra_shared.settings import RetentionSettings
from orchestra_shared.tables import ACTIVE_PHASES_SQL
from orchestra_shared.templates import Template

_NAMESPACE = uuid.UUID("9b3f6f0e-5d0c-4b59-9a59-4a7f1f3f0c62")
_IN_USE = f"""EXISTS (SELECT 1 FROM instances i
                  WHERE i.owner = w.owner AND i.template_slug = w.template_slug
                    AND i.{ACTIVE_PHASES_SQL})"""


def has_workspace(template: Template) -> bool:
    storage = template.storage
    return bool(storage and storage.workspace and storage.workspace.persist == "per-user")


@dataclass(frozen=True)
class Workspace:
    owner: str
    template_slug: str
    last_used_at: datetime
    in_use: bool
    warning_at: datetime
    deletes_at: datetime
    warned: bool


def plan(
    *,
    last_used_at: datetime,
    warned_for: datetime | None,
    warned_at: datetime | None,
    in_use: bool,
    retention: RetentionSettings,
    now: datetime,
) -> tuple[datetime, datetime, datetime, bool]:
    """(last use, warning time, deletion time, warned) as the learner should be told (pure).

    A running session is a use now. The deletion is ``workspaces`` after the last use,
    and never less than ``workspace_warning`` after the warning (sent, or still to send)."""
    used = now if in_use else last_used_at
    warned = warned_at is not None and warned_for == used
    warning_at = used + retention.workspaces - retention.workspace_warning
    if warned and warned_at is not None:
        warning_at = warned_at
    elif not in_use:
        warning_at = max(warning_at, now)
    deletes_at = max(used + retention.workspaces, warning_at + retention.workspace_warning)
    return used, warning_at, deletes_at, warned


async def touch(
    connection: asyncpg.Connection, owner: str, template_slug: str, at: datetime
) -> None:
    """Mark the workspace used at ``at`` (created if new); a later use is never undone."""
    await connection.execute(
        """INSERT INTO workspaces (owner, template_slug, last_used_at) VALUES ($1, $2, $3)
           ON CONFLICT (owner, template_slug) DO UPDATE
           SET last_used_at = GREATEST(workspaces.last_used_at, EXCLUDED.last_used_at)""",
        owner,
        template_slug,
        at,
    )


async def my_workspaces(
    pool: asyncpg.Pool, owner: str, *, retention: RetentionSettings, now: datetime
) -> list[Workspace]:
    rows = await pool.fetch(
        f"""SELECT w.owner, w.template_slug, w.last_used_at, w.warned_for, w.warned_at,
                   {_IN_USE} AS in_use
            FROM workspaces w WHERE w.owner = $1 ORDER BY w.template_slug""",
        owner,
    )
    return [_workspace(row, retention=retention, now=now) for row in rows]


def _workspace(row: asyncpg.Record, *, retention: RetentionSettings, now: datetime) -> Workspace:
    used, warning_at, deletes_at, warned = plan(
        last_used_at=row["last_used_at"],
        warned_for=row["warned_for"],
        warned_at=row["warned_at"],
        in_use=row["in_use"],
        retention=retention,
        now=now,
    )
    return Workspace(
        owner=row["owner"],
        template_slug=row["template_slug"],
        last_used_at=used,
        in_use=row["in_use"],
        warning_at=warning_at,
        deletes_at=deletes_at,
        warned=warned,
    )


async def keep(
    pool: asyncpg.Pool,
    owner: str,
    template_slug: str,
    *,
    retention: RetentionSettings,
    now: datetime,
) -> Workspace:
    """ "Keep my workspace": used now, so its retention starts again (the warning is void)."""
    row = await pool.fetchrow(
        f"""UPDATE workspaces w SET last_used_at = GREATEST(w.last_used_at, $3)
            WHERE w.owner = $1 AND w.template_slug = $2
            RETURNING w.owner, w.template_slug, w.last_used_at, w.warned_for, w.warned_at,
                      {_IN_USE} AS in_use""",
        owner,
        template_slug,
        now,
    )
    if row is None:
        raise NotFound(f"you have no workspace of the template {template_slug!r}")
    return _workspace(row, retention=retention, now=now)


# Each round: sessions since the last round count as uses (running: now; ended: its end).
_REFRESH_SQL = f"""
UPDATE workspaces w SET last_used_at = u.used_at
FROM (SELECT i.owner, i.template_slug,
             MAX(CASE WHEN i.{ACTIVE_PHASES_SQL} THEN $1
                      ELSE COALESCE(i.terminated_at, i.phase_changed_at, i.created_at) END)
                 AS used_at
      FROM instances i JOIN workspaces k
        ON k.owner = i.owner AND k.template_slug = i.template_slug
      GROUP BY i.owner, i.template_slug) u
WHERE w.owner = u.owner AND w.template_slug = u.template_slug AND u.used_at > w.last_used_at
"""

_WARN_SQL = f"""
UPDATE workspaces w SET warned_for = w.last_used_at, warned_at = $1
WHERE (w.owner, w.template_slug) IN (
    SELECT w.owner, w.template_slug FROM workspaces w
    WHERE w.last_used_at + $2::interval <= $1 AND w.warned_for IS DISTINCT FROM w.last_used_at
      AND NOT {_IN_USE}
    ORDER BY w.last_used_at LIMIT $3 FOR UPDATE SKIP LOCKED)
RETURNING w.owner, w.template_slug, w.last_used_at
"""

_DELETE_SQL = f"""
DELETE FROM workspaces w
WHERE (w.owner, w.template_slug) IN (
    SELECT w.owner, w.template_slug FROM workspaces w
    WHERE w.last_used_at + $2::interval <= $1 AND w.warned_for = w.last_used_at
      AND w.warned_at + $3::interval <= $1 AND NOT {_IN_USE}
    ORDER BY w.last_used_at LIMIT $4 FOR UPDATE SKIP LOCKED)
  AND w.last_used_at + $2::interval <= $1 AND w.warned_for = w.last_used_at
RETURNING w.owner, w.template_slug, w.last_used_at
"""


def _event_id(kind: str, owner: str, template_slug: str, last_used_at: datetime) -> uuid.UUID:
    """One id per decision: a repeated publish of it is a duplicate JetStream drops."""
    return uuid.uuid5(_NAMESPACE, f"{kind}:{owner}:{template_slug}:{last_used_at.isoformat()}")


async def reap_workspaces(
    pool: asyncpg.Pool, *, retention: RetentionSettings, now: datetime
) -> int:
    """One round of the workspaces' rule: fold in uses, warn, ask for deletions. Returns how
    many deletions it asked for (the operator counts each volume it deletes)."""
    keep_for = retention.workspaces
    warning = retention.workspace_warning
    async with pool.acquire() as connection:
        await connection.execute(_REFRESH_SQL, now)
        while True:
            async with connection.transaction():
                warned = await connection.fetch(
                    _WARN_SQL, now, keep_for - warning, retention.reap_batch
                )
                for row in warned:
                    used = row["last_used_at"]
                    await add_to_outbox(
                        connection,
                        WorkspaceExpiring(
                            event_id=_event_id("warn", row["owner"], row["template_slug"], used),
                            occurred_at=now,
                            owner=row["owner"],
                            template_slug=row["template_slug"],
                            last_used_at=used,
                            deletes_at=max(used + keep_for, now + warning),
                        ),
                    )
            if len(warned) < retention.reap_batch:
                break
        requested = 0
        while True:
            async with connection.transaction():
                doomed = await connection.fetch(
                    _DELETE_SQL, now, keep_for, warning, retention.reap_batch
                )
                for row in doomed:
                    used = row["last_used_at"]
                    await add_to_outbox(
                        connection,
                        WorkspaceDeleteRequested(
                            event_id=_event_id("delete", row["owner"], row["template_slug"], used),
                            occurred_at=now,
                            owner=row["owner"],
                            template_slug=row["template_slug"],
                            last_used_at=used,
                        ),
                    )
            requested += len(doomed)
            if len(doomed) < retention.reap_batch:
                return requested
