"""Reading and writing instance rows, their history and the outbox with asyncpg.

Lists, pages and statistics are in ``reports``.

Thin I/O: SQL in, typed records out. Decisions (who may see what, what a
launch looks like) are made elsewhere; this module only persists them.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from orchestra_shared.events import ClassNotice, Event, WorkspaceEvent, event_json
from orchestra_shared.subjects import SUBJECT_BY_TYPE
from orchestra_shared.tables import ACTIVE_PHASES_SQL
from orchestra_shared.telemetry import inject_context

INSTANCE_COLUMNS = """
    name, owner, template_slug, template_name, phase, reason, message, url,
    created_at, expires_at, ready_at, terminated_at, extensions,
    max_duration_seconds, terminate_requested_at, class_id
"""


@dataclass(frozen=True)
class InstanceRecord:
    name: str
    owner: str
    template_slug: str
    template_name: str
    phase: str
    reason: str | None
    message: str | None
    url: str | None
    created_at: datetime
    expires_at: datetime
    ready_at: datetime | None
    terminated_at: datetime | None
    extensions: int
    max_duration_seconds: int | None
    terminate_requested_at: datetime | None
    class_id: str | None = None
    """The class it was launched for (docs/src/content/docs/decisions/0070), or None."""

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> "InstanceRecord":
        return cls(**dict(row))


@dataclass(frozen=True)
class TransitionRecord:
    phase: str
    reason: str | None
    message: str | None
    transitioned_at: datetime


@dataclass(frozen=True)
class NewInstance:
    name: str
    owner: str
    template_slug: str
    template_name: str
    resolved_spec: dict[str, Any]
    requested_duration_seconds: int
    expires_at: datetime
    idempotency_key: str | None
    max_duration_seconds: int
    class_id: str | None = None


@dataclass(frozen=True)
class Usage:
    """What is running now, as the launch rules count it (see ``admitting``)."""

    mine: int
    mine_of_template: int
    total: int
    of_template: int


def _queue_sql(first: int) -> str:
    """One outbox row, its parameters numbered from ``first``; RETURNING lets a NOTIFY follow."""
    event_id, subject, payload, headers = (f"${n}" for n in range(first, first + 4))
    return f"""INSERT INTO outbox (event_id, subject, payload, headers)
        VALUES ({event_id}, {subject}, {payload}::jsonb, {headers}::jsonb) RETURNING id"""


# The NOTIFY is a CTE the final SELECT reads (a SELECT CTE nobody reads does not run); it
# is delivered when the transaction commits, like the NOTIFY statement it replaces.
_QUEUE_AND_WAKE_SQL = f"""WITH queued AS ({_queue_sql(1)})
    SELECT pg_notify('outbox', '') FROM queued"""

_INSERT_WITH_EVENT_SQL = f"""
    WITH made AS (
        INSERT INTO instances (name, owner, template_slug, template_name, resolved_spec,
                               requested_duration_seconds, expires_at, idempotency_key,
                               max_duration_seconds, class_id)
        VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10)
        RETURNING {INSTANCE_COLUMNS}
    ), queued AS ({_queue_sql(11)}),
    woken AS (SELECT pg_notify('outbox', '') FROM queued)
    SELECT made.* FROM made, woken
"""


def _outbox_values(
    event: Event | ClassNotice | WorkspaceEvent, headers: dict[str, str] | None
) -> tuple[Any, ...]:
    event_type = str(getattr(event, "type"))  # noqa: B009 - every concrete event has one
    return (
        event.event_id,
        SUBJECT_BY_TYPE[event_type],
        json.dumps(event_json(event)),
        json.dumps(inject_context(dict(headers or {}))),
    )


async def insert_instance_with_event(
    connection: asyncpg.Connection, instance: NewInstance, event: Event
) -> InstanceRecord:
    """Insert the row and its outbox event in the caller's transaction, and wake the relay:
    one statement, so one round trip."""
    row = await connection.fetchrow(
        _INSERT_WITH_EVENT_SQL,
        instance.name,
        instance.owner,
        instance.template_slug,
        instance.template_name,
        json.dumps(instance.resolved_spec),
        instance.requested_duration_seconds,
        instance.expires_at,
        instance.idempotency_key,
        instance.max_duration_seconds,
        instance.class_id,
        *_outbox_values(event, None),
    )
    return InstanceRecord.from_row(row)


async def add_to_outbox(
    connection: asyncpg.Connection,
    event: Event | ClassNotice | WorkspaceEvent,
    headers: dict[str, str] | None = None,
) -> None:
    """Queue an event for the relay, and wake it once the transaction commits (one round trip).

    The request's trace context is stored with the event, so the relay's publish,
    minutes later if NATS was down, still continues the request's trace.
    """
    await connection.execute(_QUEUE_AND_WAKE_SQL, *_outbox_values(event, headers))


async def fetch_instance(
    connection: asyncpg.Connection | asyncpg.Pool, name: str, *, for_update: bool = False
) -> InstanceRecord | None:
    """The row; ``for_update`` locks it until the caller's transaction ends."""
    lock = " FOR UPDATE" if for_update else ""
    row = await connection.fetchrow(
        f"SELECT {INSTANCE_COLUMNS} FROM instances WHERE name = $1{lock}", name
    )
    return InstanceRecord.from_row(row) if row else None


async def lock_owner(connection: asyncpg.Connection, owner: str) -> None:
    """Serialise one learner's launches until the transaction ends (limits stay exact)."""
    await connection.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", owner)


# What the launch rules count, as FROM items with $1 the owner, $2 the template, $3 now: the
# learner's own from their rows (the owner index), the platform's and the template's from
# ``active_changes`` (migration 0055: a few compacted rows, whatever the number of instances).
# A learner's instance stops counting against their limits once they asked to end it or its
# deadline passed; it counts against capacity until the cluster says it is gone.
USAGE_FROM_SQL = f"""
    (SELECT count(*) AS mine, count(*) FILTER (WHERE template_slug = $2) AS mine_of_template
     FROM instances
     WHERE owner = $1 AND {ACTIVE_PHASES_SQL}
       AND terminate_requested_at IS NULL AND expires_at > $3) AS own,
    (SELECT coalesce(sum(delta), 0) AS total,
            coalesce(sum(delta) FILTER (WHERE template_slug = $2), 0) AS of_template
     FROM active_changes) AS platform
"""

_USAGE_SQL = f"""SELECT own.mine, own.mine_of_template, platform.total, platform.of_template
    FROM {USAGE_FROM_SQL}"""


async def fetch_usage(
    connection: asyncpg.Connection, owner: str, template_slug: str, now: datetime
) -> Usage:
    """Counts for the launch rules, in one query that does not grow with the platform."""
    row = await connection.fetchrow(_USAGE_SQL, owner, template_slug, now)
    return Usage(**dict(row))


async def compact_active_changes(connection: asyncpg.Connection | asyncpg.Pool) -> int:
    """Fold ``active_changes`` into one row per template; returns how many rows it folded.

    One statement: readers see the rows before or after, never a half. Rows appended
    meanwhile (not in its snapshot) stay for the next round. One replica folds at a time
    (the others skip the round): two deleting the same rows in different orders could
    deadlock.
    """
    folded: int = await connection.fetchval(
        """WITH folded AS (
                    DELETE FROM active_changes
                    WHERE (SELECT pg_try_advisory_xact_lock(hashtextextended('active_changes', 0)))
                    RETURNING template_slug, delta
                ),
                kept AS (
                    INSERT INTO active_changes (template_slug, delta)
                    SELECT template_slug, sum(delta) FROM folded
                    GROUP BY template_slug HAVING sum(delta) <> 0
                )
           SELECT count(*) FROM folded"""
    )
    return folded


async def fetch_counted_for_owner(
    connection: asyncpg.Connection, owner: str, now: datetime
) -> list[InstanceRecord]:
    """The learner's instances that count against their limits, oldest first."""
    rows = await connection.fetch(
        f"""SELECT {INSTANCE_COLUMNS} FROM instances
            WHERE owner = $1 AND {ACTIVE_PHASES_SQL}
              AND terminate_requested_at IS NULL AND expires_at > $2
            ORDER BY created_at, name""",
        owner,
        now,
    )
    return [InstanceRecord.from_row(row) for row in rows]


async def mark_extended(
    connection: asyncpg.Connection, name: str, expires_at: datetime
) -> InstanceRecord:
    row = await connection.fetchrow(
        f"""UPDATE instances SET expires_at = $2, extensions = extensions + 1
            WHERE name = $1 RETURNING {INSTANCE_COLUMNS}""",
        name,
        expires_at,
    )
    return InstanceRecord.from_row(row)


async def mark_terminate_requested(
    connection: asyncpg.Connection, name: str, at: datetime
) -> InstanceRecord:
    row = await connection.fetchrow(
        f"""UPDATE instances SET terminate_requested_at = $2
            WHERE name = $1 RETURNING {INSTANCE_COLUMNS}""",
        name,
        at,
    )
    return InstanceRecord.from_row(row)


async def fetch_by_idempotency_key(
    connection: asyncpg.Connection | asyncpg.Pool, owner: str, key: str
) -> InstanceRecord | None:
    row = await connection.fetchrow(
        f"SELECT {INSTANCE_COLUMNS} FROM instances WHERE owner = $1 AND idempotency_key = $2",
        owner,
        key,
    )
    return InstanceRecord.from_row(row) if row else None


async def fetch_active_for_owner(pool: asyncpg.Pool, owner: str) -> list[InstanceRecord]:
    rows = await pool.fetch(
        f"""SELECT {INSTANCE_COLUMNS} FROM instances
            WHERE owner = $1 AND phase NOT IN ('Terminated') ORDER BY created_at""",
        owner,
    )
    return [InstanceRecord.from_row(row) for row in rows]


async def fetch_history(pool: asyncpg.Pool, name: str) -> list[TransitionRecord]:
    rows = await pool.fetch(
        """SELECT phase, reason, message, transitioned_at FROM instance_history
           WHERE instance = $1 ORDER BY transitioned_at, id""",
        name,
    )
    return [TransitionRecord(**dict(row)) for row in rows]


async def fetch_namespace(connection: asyncpg.Connection | asyncpg.Pool, name: str) -> str | None:
    """Where the instance runs, as sync observed it (the gate routes there)."""
    namespace: str | None = await connection.fetchval(
        "SELECT namespace FROM instances WHERE name = $1", name
    )
    return namespace
