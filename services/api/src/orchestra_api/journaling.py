"""The audit of admin and instructor actions: recorded with the action, read by admins, reaped.

Every route by which someone acts on what is not theirs (an admin ending or extending a
learner's session, an instructor creating, extending, ending or messaging a class) calls
``record`` with the connection of the action's own transaction, so an action and its
entry are committed together or not at all (docs/src/content/docs/decisions/0062). Admins
read the entries newest first (``entries``, ``GET /api/v1/admin/audit``); ``reap_audit``
is the audit's retention rule (``RetentionSettings.audit``). Learners' actions on their
own sessions are not audited: their history already says what happened.

Called by ``terminating``, ``extending``, ``enrolling``, ``teaching``, ``routes.admin``
and ``main``. (Not sync's ``auditing``, which looks for Workshops nobody owns.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import asyncpg

from orchestra_shared.reaping import DELETED

Role = Literal["admin", "instructor"]
TargetKind = Literal["instance", "class"]

# Every action recorded, as the api names it (the admin console filters on these).
ACTIONS = (
    "instance.terminate",
    "instance.extend",
    "class.create",
    "class.extend",
    "class.end",
    "class.message",
)
Action = Literal[
    "instance.terminate",
    "instance.extend",
    "class.create",
    "class.extend",
    "class.end",
    "class.message",
]


@dataclass(frozen=True)
class Entry:
    id: int
    occurred_at: datetime
    actor: str
    role: str
    action: str
    target_kind: str
    target: str
    subject: str | None
    details: dict[str, Any]


async def record(
    connection: asyncpg.Connection,
    *,
    actor: str,
    role: Role,
    action: Action,
    target_kind: TargetKind,
    target: str,
    at: datetime,
    subject: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add one entry inside the caller's transaction (the action's own)."""
    await connection.execute(
        """INSERT INTO audit_entries (occurred_at, actor, role, action, target_kind, target,
                                      subject, details)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)""",
        at,
        actor,
        role,
        action,
        target_kind,
        target,
        subject,
        json.dumps(details or {}, default=_plain),
    )


def _plain(value: Any) -> str:
    """Times as ISO 8601 (what the api answers everywhere), anything else as text."""
    return value.isoformat() if isinstance(value, datetime) else str(value)


@dataclass(frozen=True)
class Filters:
    actor: str | None = None
    action: str | None = None
    target: str | None = None
    subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def entries_query(filters: Filters, *, before: int | None, limit: int) -> tuple[str, list[Any]]:
    """The SQL and arguments of one page, newest first (pure; the cursor is the last id)."""
    clauses: list[str] = []
    arguments: list[Any] = []

    def where(clause: str, value: Any) -> None:
        arguments.append(value)
        clauses.append(clause.format(f"${len(arguments)}"))

    if filters.actor is not None:
        where("actor = {}", filters.actor)
    if filters.action is not None:
        where("action = {}", filters.action)
    if filters.target is not None:
        where("target = {}", filters.target)
    if filters.subject is not None:
        where("subject = {}", filters.subject)
    if filters.since is not None:
        where("occurred_at >= {}", filters.since)
    if filters.until is not None:
        where("occurred_at < {}", filters.until)
    if before is not None:
        where("id < {}", before)
    arguments.append(limit + 1)
    sql = (
        "SELECT id, occurred_at, actor, role, action, target_kind, target, subject, details "
        "FROM audit_entries"
        + (" WHERE " + " AND ".join(clauses) if clauses else "")
        + f" ORDER BY id DESC LIMIT ${len(arguments)}"
    )
    return sql, arguments


async def entries(
    pool: asyncpg.Pool, filters: Filters, *, before: int | None, limit: int
) -> tuple[list[Entry], int | None]:
    """One page of entries, newest first, and the cursor of the next page (None: the last)."""
    sql, arguments = entries_query(filters, before=before, limit=limit)
    rows = await pool.fetch(sql, *arguments)
    page = [
        Entry(
            id=row["id"],
            occurred_at=row["occurred_at"],
            actor=row["actor"],
            role=row["role"],
            action=row["action"],
            target_kind=row["target_kind"],
            target=row["target"],
            subject=row["subject"],
            details=json.loads(row["details"]),
        )
        for row in rows[:limit]
    ]
    return page, (page[-1].id if len(rows) > limit else None)


_REAP_SQL = """
DELETE FROM audit_entries
WHERE id IN (SELECT id FROM audit_entries WHERE occurred_at <= $1 ORDER BY id LIMIT $2)
"""


async def reap_audit(pool: asyncpg.Pool, *, keep_for: timedelta, now: datetime, batch: int) -> int:
    """Delete every entry older than ``keep_for``, ``batch`` rows per statement; idempotent
    (two replicas delete each row once: a row already gone is simply not counted)."""
    deleted = 0
    while True:
        status = await pool.execute(_REAP_SQL, now - keep_for, batch)
        count = int(status.split()[-1])
        if count:
            DELETED.labels("audit").inc(count)
        deleted += count
        if count < batch:
            return deleted
