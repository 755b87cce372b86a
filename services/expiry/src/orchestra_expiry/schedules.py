"""The durable schedule in Postgres (table ``expiry_schedule``).

Each instance has one row: its deadline and a revision (0 at launch, n after
the n-th extension). A write with an older revision than the row's is
ignored, so a stale or duplicated event never moves a deadline back. Rows are
claimed with ``FOR UPDATE SKIP LOCKED``, so two replicas never fire the same
deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class Entry:
    instance: str
    owner: str
    expires_at: datetime
    warned: list[int]
    revision: int


async def upsert(
    pool: asyncpg.Pool, *, instance: str, owner: str, expires_at: datetime, revision: int
) -> bool:
    """Schedule or move a deadline; returns False when a newer decision is already stored."""
    result = await pool.fetchval(
        """
        INSERT INTO expiry_schedule (instance, owner, expires_at, revision)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (instance) DO UPDATE SET
            expires_at = EXCLUDED.expires_at,
            revision = EXCLUDED.revision,
            warned = CASE WHEN expiry_schedule.expires_at = EXCLUDED.expires_at
                          THEN expiry_schedule.warned ELSE '{}' END,
            fired_at = NULL,
            updated_at = now()
        WHERE expiry_schedule.revision < EXCLUDED.revision
          AND expiry_schedule.cancelled_at IS NULL
          AND expiry_schedule.fired_at IS NULL
        RETURNING 1
        """,
        instance,
        owner,
        expires_at,
        revision,
    )
    return result is not None


async def cancel(pool: asyncpg.Pool, instance: str) -> None:
    await pool.execute(
        "UPDATE expiry_schedule SET cancelled_at = now() WHERE instance = $1 AND cancelled_at IS NULL",
        instance,
    )


async def claim_due(
    connection: asyncpg.Connection, *, now: datetime, leads: list[int], limit: int
) -> list[Entry]:
    """Rows whose deadline passed or with a warning due and unsent, locked for this transaction."""
    rows = await connection.fetch(
        """
        SELECT instance, owner, expires_at, warned, revision FROM expiry_schedule
        WHERE fired_at IS NULL AND cancelled_at IS NULL AND (
            expires_at <= $1
            OR EXISTS (
                SELECT 1 FROM unnest($3::int[]) AS lead
                WHERE NOT lead = ANY(warned) AND expires_at - make_interval(secs => lead) <= $1
            )
        )
        ORDER BY expires_at LIMIT $2
        FOR UPDATE SKIP LOCKED
        """,
        now,
        limit,
        leads,
    )
    return [Entry(**dict(row)) for row in rows]


async def mark_fired(connection: asyncpg.Connection, instance: str, now: datetime) -> None:
    await connection.execute(
        "UPDATE expiry_schedule SET fired_at = $2 WHERE instance = $1", instance, now
    )


async def mark_warned(connection: asyncpg.Connection, instance: str, leads: list[int]) -> None:
    await connection.execute(
        "UPDATE expiry_schedule SET warned = warned || $2::int[] WHERE instance = $1",
        instance,
        leads,
    )
