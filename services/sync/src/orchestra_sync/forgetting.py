"""Forgetting ended sessions: the history retention rule (docs/src/content/docs/decisions/0060).

Sync is the writer of observed status and history, so it owns their end: an instance
that ended (Terminated or Failed) longer than ``RetentionSettings.history`` ago is
deleted with its history rows (``ON DELETE CASCADE``) and sync's record of why it was
asked to end. Running sessions are never touched, whatever their age. Each round deletes
in batches; ``DELETE ... RETURNING`` over rows locked ``SKIP LOCKED`` means two replicas
delete each instance once, and a round cut short is finished by the next. Run by
``main`` through ``orchestra_shared.reaping.reap_forever``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from orchestra_shared.reaping import DELETED

_FORGET = """
WITH doomed AS (
    SELECT name FROM instances
    WHERE phase IN ('Terminated', 'Failed')
      AND COALESCE(terminated_at, phase_changed_at) <= $1
    ORDER BY COALESCE(terminated_at, phase_changed_at)
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), gone AS (
    DELETE FROM instances i USING doomed d WHERE i.name = d.name RETURNING i.name
), reasons AS (
    DELETE FROM termination_requests t USING gone g WHERE t.instance = g.name
)
SELECT count(*) FROM gone
"""


async def forget_ended(
    pool: asyncpg.Pool, *, keep_for: timedelta, now: datetime, batch: int
) -> int:
    """Delete every session that ended before ``now - keep_for``; returns how many."""
    total = 0
    while True:
        deleted = int(await pool.fetchval(_FORGET, now - keep_for, batch))
        total += deleted
        DELETED.labels("history").inc(deleted)
        if deleted < batch:
            return total
