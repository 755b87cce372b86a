"""Writing observations into Postgres: the instance row and the append-only history.

One transaction per observation, with the instance row locked, so two sync
replicas (or a replayed watch event) cannot interleave: an observation older
than what is stored (lower resourceVersion) is ignored, and a transition
already in the history (same instance, phase and cluster time) is not added
again. Returns the transition to announce, if there was one.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from orchestra_sync.observing import Observation


async def record(pool: asyncpg.Pool, observation: Observation) -> Observation | None:
    """Apply one observation; returns it when it is a new phase transition."""
    async with pool.acquire() as connection, connection.transaction():
        row = await connection.fetchrow(
            "SELECT phase, observed_version FROM instances WHERE name = $1 FOR UPDATE",
            observation.name,
        )
        if row is None:
            return None  # not an Orchestra launch (or its row is gone): nothing to track
        if row["phase"] == "Terminated":
            return None  # final
        if observation.version and observation.version < row["observed_version"]:
            return None  # older than what is stored
        changed = row["phase"] != observation.phase
        await connection.execute(
            """
            UPDATE instances SET
                phase = $2, reason = $3, message = $4,
                url = COALESCE($5, url), namespace = COALESCE($6, namespace),
                observed_version = GREATEST(observed_version, $7),
                phase_changed_at = CASE WHEN $8 THEN $9 ELSE phase_changed_at END,
                ready_at = CASE WHEN $2 = 'Ready' AND ready_at IS NULL THEN $9 ELSE ready_at END,
                terminated_at = CASE WHEN $2 = 'Terminated' THEN $9 ELSE terminated_at END
            WHERE name = $1
            """,
            observation.name,
            observation.phase,
            observation.reason,
            observation.message,
            observation.url,
            observation.namespace,
            observation.version,
            changed,
            observation.transitioned_at,
        )
        if not changed:
            return None
        inserted = await connection.fetchval(
            """
            INSERT INTO instance_history (instance, phase, reason, message, transitioned_at)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT ON CONSTRAINT instance_history_transition DO NOTHING
            RETURNING id
            """,
            observation.name,
            observation.phase,
            observation.reason,
            observation.message,
            observation.transitioned_at,
        )
        return observation if inserted is not None else None


async def vanished_instances(
    pool: asyncpg.Pool, present: set[str], older_than: datetime
) -> list[str]:
    """Instances sync saw in the cluster, not Terminated, whose Workshop is no longer listed."""
    rows = await pool.fetch(
        """SELECT name FROM instances
           WHERE phase NOT IN ('Terminated', 'Requested') AND observed_version > 0
             AND created_at < $1""",
        older_than,
    )
    return [row["name"] for row in rows if row["name"] not in present]
