"""What ``/metrics`` reads about classes when it is scraped (docs/src/content/docs/decisions/0070).

Counts only, across all classes: how many are open, how many learners joined them,
how many instructors' entries the gate recorded. One query,
so a scrape costs one round trip. Called by ``routes.system``.
"""

from datetime import datetime

import asyncpg

from orchestra_api.metering import ClassCounts

_COUNTS = """
SELECT
  (SELECT count(*) FROM classes
    WHERE ended_at IS NULL AND starts_at <= $1 AND ends_at > $1) AS active,
  (SELECT count(*) FROM class_members m JOIN classes c ON c.id = m.class_id
    WHERE c.ended_at IS NULL AND c.starts_at <= $1 AND c.ends_at > $1) AS members,
  (SELECT count(*) FROM gate_redemptions WHERE role <> 'owner') AS helper_accesses
"""


async def class_counts(pool: asyncpg.Pool, now: datetime) -> ClassCounts:
    row = await pool.fetchrow(_COUNTS, now)
    return ClassCounts(
        active=row["active"],
        members=row["members"],
        helper_accesses=row["helper_accesses"],
    )
