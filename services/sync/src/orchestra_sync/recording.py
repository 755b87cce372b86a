"""Writing observations into Postgres: the instance row, the history and the outbox.

One transaction per observation, with the instance row locked, so two sync
replicas (or a replayed watch event) cannot interleave; ``planning`` decides
what the observation changes. Every appended history row gets its ``status
changed`` event in ``sync_outbox`` in the same transaction (the relay publishes
it), so a transition is announced if and only if it was recorded, whatever
crashes in between. A history row that already exists (same instance, phase
and cluster time) is neither added nor announced again.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from orchestra_shared import subjects
from orchestra_shared.events import StatusChanged, event_json
from orchestra_sync.observing import Observation, Step
from orchestra_sync.planning import Plan, Requested, Stored, plan

# Message ids are derived from the transition, so every replica derives the same one.
EVENT_NAMESPACE = uuid.UUID("6f0b7a0e-3f4c-4a8e-9f1e-6d1c0c5b2a91")


@dataclass(frozen=True)
class Recorded:
    """What one committed observation appended (empty when only the row changed)."""

    name: str
    steps: tuple[Step, ...]
    created_at: datetime | None = None  # of the instance row: the launch
    first_ready: datetime | None = None  # when this recorded the instance's first Ready


def event_id(name: str, step: Step) -> uuid.UUID:
    return uuid.uuid5(EVENT_NAMESPACE, f"{name}:{step.phase}:{step.at.astimezone(UTC).isoformat()}")


def status_event(observation: Observation, owner: str, step: Step) -> StatusChanged:
    """The event for one recorded step; its id and time come from the step (replay-stable)."""
    return StatusChanged(
        event_id=event_id(observation.name, step),
        occurred_at=step.at,
        instance=observation.name,
        owner=owner,
        phase=step.phase,
        reason=step.reason,
        message=step.message,
        url=observation.url if step.phase != "Terminated" else None,
        transitioned_at=step.at,
    )


async def _requested(connection: asyncpg.Connection, name: str) -> Requested | None:
    row = await connection.fetchrow(
        "SELECT reason, requested_at FROM termination_requests WHERE instance = $1", name
    )
    return None if row is None else Requested(row["reason"], row["requested_at"])


async def _update_row(connection: asyncpg.Connection, decided: Plan) -> None:
    observation = decided.observation
    last = decided.steps[-1].at if decided.steps else None
    ready = next((s.at for s in decided.steps if s.phase == "Ready"), None)
    await connection.execute(
        """
        UPDATE instances SET
            phase = $2, reason = $3, message = $4,
            url = COALESCE($5, url), namespace = COALESCE($6, namespace),
            observed_version = GREATEST(observed_version, $7),
            phase_changed_at = COALESCE($8, phase_changed_at),
            ready_at = COALESCE(ready_at, $9),
            terminated_at = CASE WHEN $2 = 'Terminated' THEN $8 ELSE terminated_at END,
            conditions = COALESCE($10::jsonb, conditions),
            cluster_expires_at = COALESCE($11, cluster_expires_at)
        WHERE name = $1
        """,
        observation.name,
        observation.phase,
        observation.reason,
        observation.message,
        observation.url,
        observation.namespace,
        observation.version,
        last,
        ready,
        None if observation.conditions is None else json.dumps(observation.conditions),
        observation.expires_at,
    )


async def record(
    pool: asyncpg.Pool,
    observation: Observation,
    *,
    turn: Callable[[], Awaitable[None]] | None = None,
) -> Recorded | None:
    """Apply one observation; None when it changed nothing (unknown, final, replayed, older).

    ``turn``, when given, is awaited just before a write commits (``pipelining``
    commits in watch order); an observation that changes nothing does not wait.
    """
    async with pool.acquire() as connection, connection.transaction():
        row = await connection.fetchrow(
            """SELECT owner, phase, phase_changed_at, observed_version, created_at, ready_at
               FROM instances WHERE name = $1 FOR UPDATE""",
            observation.name,
        )
        if row is None:
            return None  # not an Orchestra launch (or its row is gone): nothing to track
        stored = Stored(row["phase"], row["phase_changed_at"], row["observed_version"])
        requested = None
        if observation.phase == "Terminated":
            requested = await _requested(connection, observation.name)
        decided = plan(observation, stored, requested)
        if decided is None:
            return None
        await _update_row(connection, decided)
        appended = []
        for step in decided.steps:
            inserted = await connection.fetchval(
                """
                INSERT INTO instance_history (instance, phase, reason, message, transitioned_at)
                VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT ON CONSTRAINT instance_history_transition DO NOTHING
                RETURNING id
                """,
                observation.name,
                step.phase,
                step.reason,
                step.message,
                step.at,
            )
            if inserted is None:
                continue
            event = status_event(decided.observation, row["owner"], step)
            # The Workshop's trace context: the publish continues the launch's trace.
            headers = {"traceparent": observation.traceparent} if observation.traceparent else {}
            await connection.execute(
                """INSERT INTO sync_outbox (event_id, instance, subject, payload, headers)
                   VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)
                   ON CONFLICT (event_id) DO NOTHING""",
                event.event_id,
                observation.name,
                subjects.STATUS_CHANGED,
                json.dumps(event_json(event)),
                json.dumps(headers),
            )
            appended.append(step)
        if appended:
            # Delivered at commit to every replica's relay (ADR 0020).
            await connection.execute("NOTIFY sync_outbox")
        if turn is not None:
            await turn()
    first_ready = None
    if row["ready_at"] is None:
        first_ready = next((s.at for s in appended if s.phase == "Ready"), None)
    return Recorded(
        name=observation.name,
        steps=tuple(appended),
        created_at=row["created_at"],
        first_ready=first_ready,
    )


async def recorded_candidates(pool: asyncpg.Pool, listed_version: int) -> list[str]:
    """Instances that should be in a list at ``listed_version`` if their Workshop still existed.

    Those sync last observed at or before that version, and those it never saw
    but someone asked to terminate (a Workshop created and deleted while sync
    was away; or one the operator has yet to create, which it will delete next,
    commands being ordered, so Terminated is right either way). A launch sync
    never saw and nobody terminated may still be on its way: left alone.
    """
    rows = await pool.fetch(
        """SELECT name FROM instances i
           WHERE phase <> 'Terminated'
             AND (observed_version BETWEEN 1 AND $1
                  OR (observed_version = 0
                      AND EXISTS (SELECT 1 FROM termination_requests t
                                  WHERE t.instance = i.name)))""",
        listed_version,
    )
    return [row["name"] for row in rows]


async def resume_point(pool: asyncpg.Pool) -> str | None:
    """Where a restarted watch can resume: the newest resourceVersion recorded.

    Events are committed in watch order (concurrent recording waits for its turn
    to commit, ADR 0022) and the resume point only moves past recorded ones, so
    every event up to this version was handled (by this replica or another);
    replaying a few after it is harmless. None: list first.
    """
    version = await pool.fetchval("SELECT max(observed_version) FROM instances")
    return str(version) if version else None
