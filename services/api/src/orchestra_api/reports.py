"""Reading lists of instances, pages of them, and launch statistics with asyncpg.

Thin I/O like ``records``: the learner's ended instances, the admin's filtered
listing and the per-template statistics, all computed in SQL.
"""

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from orchestra_api.pages import Cursor
from orchestra_api.records import INSTANCE_COLUMNS, InstanceRecord
from orchestra_shared.tables import ACTIVE_PHASES_SQL


@dataclass(frozen=True)
class InstanceFilter:
    owner: str | None = None
    template_slug: str | None = None
    phase: str | None = None


@dataclass(frozen=True)
class TemplateStats:
    template: str
    launches: int
    active: int
    unique_users: int
    median_seconds_to_ready: float | None
    p95_seconds_to_ready: float | None


async def fetch_page(
    pool: asyncpg.Pool, where: InstanceFilter, *, after: Cursor | None, limit: int
) -> tuple[list[InstanceRecord], Cursor | None]:
    """Newest first; returns the page and the cursor of the next one (None on the last)."""
    rows = await pool.fetch(
        f"""SELECT {INSTANCE_COLUMNS} FROM instances
            WHERE ($1::text IS NULL OR owner = $1)
              AND ($2::text IS NULL OR template_slug = $2)
              AND ($3::text IS NULL OR phase = $3)
              AND ($4::timestamptz IS NULL OR (created_at, name) < ($4, $5))
            ORDER BY created_at DESC, name DESC
            LIMIT $6""",
        where.owner,
        where.template_slug,
        where.phase,
        after.created_at if after else None,
        after.name if after else "",
        limit + 1,
    )
    records = [InstanceRecord.from_row(row) for row in rows[:limit]]
    more = len(rows) > limit
    last = records[-1] if records and more else None
    return records, Cursor(last.created_at, last.name) if last else None


async def fetch_stats(pool: asyncpg.Pool, *, since: datetime | None) -> list[TemplateStats]:
    """Per template slug: launches since ``since``, active now, users, time to Ready.

    Active counts every instance running now, whenever it was launched; the rest
    counts launches in the window. Times to Ready are percentiles of
    ``ready_at - created_at`` over the launches that became Ready.
    """
    rows = await pool.fetch(
        f"""
        SELECT template_slug AS template,
               count(*) FILTER (WHERE in_window) AS launches,
               count(*) FILTER (WHERE {ACTIVE_PHASES_SQL}) AS active,
               count(DISTINCT owner) FILTER (WHERE in_window) AS unique_users,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY to_ready)
                   FILTER (WHERE in_window AND to_ready IS NOT NULL) AS median_seconds_to_ready,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY to_ready)
                   FILTER (WHERE in_window AND to_ready IS NOT NULL) AS p95_seconds_to_ready
        FROM (
          SELECT template_slug, owner, phase,
                 ($1::timestamptz IS NULL OR created_at >= $1) AS in_window,
                 extract(epoch FROM ready_at - created_at)::float8 AS to_ready
          FROM instances
        ) AS launches
        GROUP BY template_slug
        ORDER BY template_slug
        """,
        since,
    )
    return [TemplateStats(**dict(row)) for row in rows]
