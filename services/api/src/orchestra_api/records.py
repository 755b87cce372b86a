"""Reading and writing instance rows, their history and the outbox with asyncpg.

Thin I/O: SQL in, typed records out. Decisions (who may see what, what a
launch looks like) are made elsewhere; this module only persists them.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from orchestra_shared.events import Event, event_json
from orchestra_shared.subjects import SUBJECT_BY_TYPE

INSTANCE_COLUMNS = """
    name, owner, template_slug, template_name, phase, reason, message, url,
    created_at, expires_at, ready_at, terminated_at, extensions
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


async def insert_instance_with_event(
    connection: asyncpg.Connection, instance: NewInstance, event: Event
) -> InstanceRecord:
    """Insert the row and its outbox event in the caller's transaction."""
    row = await connection.fetchrow(
        f"""
        INSERT INTO instances (name, owner, template_slug, template_name, resolved_spec,
                               requested_duration_seconds, expires_at, idempotency_key)
        VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)
        RETURNING {INSTANCE_COLUMNS}
        """,
        instance.name,
        instance.owner,
        instance.template_slug,
        instance.template_name,
        json.dumps(instance.resolved_spec),
        instance.requested_duration_seconds,
        instance.expires_at,
        instance.idempotency_key,
    )
    await add_to_outbox(connection, event)
    return InstanceRecord.from_row(row)


async def add_to_outbox(
    connection: asyncpg.Connection, event: Event, headers: dict[str, str] | None = None
) -> None:
    """Queue an event for the relay; the NOTIFY wakes it once the transaction commits."""
    event_type = str(getattr(event, "type"))  # noqa: B009 - every concrete event has one
    await connection.execute(
        "INSERT INTO outbox (event_id, subject, payload, headers) VALUES ($1, $2, $3::jsonb, $4::jsonb)",
        event.event_id,
        SUBJECT_BY_TYPE[event_type],
        json.dumps(event_json(event)),
        json.dumps(headers or {}),
    )
    await connection.execute("NOTIFY outbox")


async def fetch_instance(pool: asyncpg.Pool, name: str) -> InstanceRecord | None:
    row = await pool.fetchrow(f"SELECT {INSTANCE_COLUMNS} FROM instances WHERE name = $1", name)
    return InstanceRecord.from_row(row) if row else None


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
