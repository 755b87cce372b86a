"""The history retention rule: ended sessions past the period go, with their history and
their termination reason; younger ones and running ones stay (docs/src/content/docs/decisions/0060)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from services.sync.tests.integration.probing import insert_instance

from orchestra_shared.reaping import DELETED
from orchestra_sync.forgetting import forget_ended

NOW = datetime(2026, 6, 1, tzinfo=UTC)
DAY = timedelta(days=1)


async def ended(pool: asyncpg.Pool, name: str, phase: str, at: datetime | None) -> None:
    await insert_instance(pool, name)
    await pool.execute(
        """UPDATE instances SET phase = $2, terminated_at = $3, phase_changed_at = $4
           WHERE name = $1""",
        name,
        phase,
        at if phase == "Terminated" else None,
        at,
    )
    await pool.execute(
        """INSERT INTO instance_history (instance, phase, transitioned_at)
           VALUES ($1, 'Ready', $2), ($1, $3, $4)""",
        name,
        (at or NOW) - DAY,
        phase,
        at or NOW,
    )
    await pool.execute(
        """INSERT INTO termination_requests (instance, reason, requested_at, event_id)
           VALUES ($1, 'expired', $2, $3)""",
        name,
        at or NOW,
        uuid.uuid4(),
    )


async def names(pool: asyncpg.Pool, table: str, column: str) -> set[str]:
    return {row[0] for row in await pool.fetch(f"SELECT DISTINCT {column} FROM {table}")}


async def test_only_sessions_ended_before_the_period_are_forgotten(pool: asyncpg.Pool) -> None:
    await ended(pool, "old-terminated", "Terminated", NOW - 91 * DAY)
    await ended(pool, "old-failed", "Failed", NOW - 100 * DAY)
    await ended(pool, "at-the-edge", "Terminated", NOW - 90 * DAY)
    await ended(pool, "recent", "Terminated", NOW - 89 * DAY)
    await ended(pool, "running-for-ever", "Ready", NOW - 400 * DAY)  # not ended: never
    before = DELETED.labels("history")._value.get()

    deleted = await forget_ended(pool, keep_for=90 * DAY, now=NOW, batch=2)

    assert deleted == 3
    kept = {"recent", "running-for-ever"}
    assert await names(pool, "instances", "name") == kept
    assert await names(pool, "instance_history", "instance") == kept
    assert await names(pool, "termination_requests", "instance") == kept
    assert DELETED.labels("history")._value.get() - before == 3
    assert await forget_ended(pool, keep_for=90 * DAY, now=NOW, batch=2) == 0  # idempotent
