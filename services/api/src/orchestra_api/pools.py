"""Reading and writing warm instances (table ``warm_instances``, migration 0050_warm_pools).

Thin I/O: SQL in, typed records out; what to start, claim or discard is decided in
``pooling`` (docs/src/content/docs/decisions/0070). A warm instance is an instance row owned by
``pool:<class id>``; whether it is Ready is that row's phase, as sync records it.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

import asyncpg

from orchestra_api.cohorts import CLASS_COLUMNS, ClassRecord
from orchestra_api.records import INSTANCE_COLUMNS, InstanceRecord
from orchestra_shared.tables import ACTIVE_PHASES_SQL

Connection: TypeAlias = asyncpg.Connection | asyncpg.Pool

# What the metrics and the instructor's view call each warm instance: its row's state,
# with "warming" split by the instance's phase into warming and ready.
STATE_SQL = """CASE WHEN w.state = 'warming' AND i.phase = 'Ready'
                         AND i.terminate_requested_at IS NULL THEN 'ready'
                    ELSE w.state END"""


@dataclass(frozen=True)
class PoolState:
    """One class's pool as the keeper weighs it."""

    started: int  # every warm instance ever started for the class
    claimed: int
    live: int  # warming or ready, not asked to end: what a learner may still get
    # Unclaimed instances that ended or failed before anyone took them.
    lost: list[str]


@dataclass(frozen=True)
class WarmRecord:
    name: str
    owner: str
    phase: str
    terminate_requested_at: datetime | None


async def fetch_pooled_classes(connection: Connection, now: datetime) -> list[ClassRecord]:
    """Classes whose pool has work now: inside its lead time and not over, or still
    holding unclaimed instances to remove."""
    columns = ", ".join("c." + c.strip() for c in CLASS_COLUMNS.split(","))
    rows = await connection.fetch(
        f"""SELECT {columns} FROM classes c
            WHERE c.pool_size > 0
              AND c.starts_at - make_interval(secs => c.pool_lead_seconds) <= $1
              AND ((c.ended_at IS NULL AND c.ends_at > $1)
                   OR EXISTS (SELECT 1 FROM warm_instances w
                              WHERE w.class_id = c.id AND w.state = 'warming'))
            ORDER BY c.starts_at, c.id""",
        now,
    )
    return [ClassRecord.from_row(row) for row in rows]


async def fetch_pool_state(connection: Connection, class_id: str) -> PoolState:
    rows = await connection.fetch(
        f"""SELECT w.name, w.state, i.terminate_requested_at IS NULL AND {ACTIVE_PHASES_SQL}
                   AND i.phase <> 'Terminating' AS alive
            FROM warm_instances w JOIN instances i ON i.name = w.name
            WHERE w.class_id = $1""",
        class_id,
    )
    warming = [row for row in rows if row["state"] == "warming"]
    return PoolState(
        started=len(rows),
        claimed=sum(row["state"] == "claimed" for row in rows),
        live=sum(bool(row["alive"]) for row in warming),
        lost=[row["name"] for row in warming if not row["alive"]],
    )


async def insert_warm(connection: Connection, name: str, class_id: str, at: datetime) -> None:
    await connection.execute(
        "INSERT INTO warm_instances (name, class_id, created_at) VALUES ($1, $2, $3)",
        name,
        class_id,
        at,
    )


async def lock_unclaimed(connection: asyncpg.Connection, class_id: str) -> list[WarmRecord]:
    """The class's unclaimed instances, locked; those a join is claiming right now are
    skipped (the next pass sees them again, claimed)."""
    rows = await connection.fetch(
        """SELECT w.name, i.owner, i.phase, i.terminate_requested_at
           FROM warm_instances w JOIN instances i ON i.name = w.name
           WHERE w.class_id = $1 AND w.state = 'warming'
           ORDER BY w.name FOR UPDATE OF w SKIP LOCKED""",
        class_id,
    )
    return [WarmRecord(**dict(row)) for row in rows]


async def take_ready(
    connection: asyncpg.Connection, class_id: str, owner: str, at: datetime
) -> str | None:
    """Claim one Ready warm instance of the class for ``owner``; None when none is free.

    ``SKIP LOCKED``: two joins at once lock two different rows, never wait for each
    other, and never take the same one."""
    name: str | None = await connection.fetchval(
        """UPDATE warm_instances SET state = 'claimed', claimed_by = $2, settled_at = $3
           WHERE name = (
               SELECT w.name FROM warm_instances w JOIN instances i ON i.name = w.name
               WHERE w.class_id = $1 AND w.state = 'warming' AND i.phase = 'Ready'
                 AND i.terminate_requested_at IS NULL
               ORDER BY w.name LIMIT 1
               FOR UPDATE OF w SKIP LOCKED)
           RETURNING name""",
        class_id,
        owner,
        at,
    )
    return name


async def hand_over(
    connection: asyncpg.Connection,
    name: str,
    *,
    owner: str,
    class_id: str,
    expires_at: datetime,
    resolved_spec: dict[str, Any],
    requested_duration_seconds: int,
    idempotency_key: str | None,
) -> InstanceRecord:
    """The claimed instance's row becomes the learner's session of the class."""
    row = await connection.fetchrow(
        f"""UPDATE instances SET owner = $2, class_id = $3, expires_at = $4,
                resolved_spec = $5::jsonb, requested_duration_seconds = $6,
                idempotency_key = $7
            WHERE name = $1 RETURNING {INSTANCE_COLUMNS}""",
        name,
        owner,
        class_id,
        expires_at,
        json.dumps(resolved_spec),
        requested_duration_seconds,
        idempotency_key,
    )
    return InstanceRecord.from_row(row)


async def mark_discarded(connection: Connection, name: str, at: datetime, reason: str) -> None:
    await connection.execute(
        """UPDATE warm_instances SET state = 'discarded', settled_at = $2, reason = $3
           WHERE name = $1 AND state = 'warming'""",
        name,
        at,
        reason,
    )


async def count_by_state(connection: Connection) -> dict[str, int]:
    """Warm instances of every class by state (warming, ready, claimed, discarded)."""
    rows = await connection.fetch(
        f"""SELECT {STATE_SQL} AS state, count(*) AS n
            FROM warm_instances w JOIN instances i ON i.name = w.name GROUP BY 1"""
    )
    return {row["state"]: row["n"] for row in rows}


async def fetch_claim_times(connection: Connection, class_id: str) -> dict[str, datetime]:
    """When each claimed warm instance of the class became a learner's session: the
    claim's ``settled_at`` (the join, or the waiting room's admission), by instance name."""
    rows = await connection.fetch(
        """SELECT name, settled_at FROM warm_instances
           WHERE class_id = $1 AND state = 'claimed' AND settled_at IS NOT NULL""",
        class_id,
    )
    return {row["name"]: row["settled_at"] for row in rows}


async def count_for_class(connection: Connection, class_id: str) -> dict[str, int]:
    rows = await connection.fetch(
        f"""SELECT {STATE_SQL} AS state, count(*) AS n
            FROM warm_instances w JOIN instances i ON i.name = w.name
            WHERE w.class_id = $1 GROUP BY 1""",
        class_id,
    )
    return {row["state"]: row["n"] for row in rows}
