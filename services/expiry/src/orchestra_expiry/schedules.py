"""The durable schedule in Postgres (table ``expiry_schedule``), read and written by expiry only.

Each instance has one row: its deadline and a revision (0 at launch, n after
the n-th extension), the warnings sent, whether and why it fired, and the
stuck-launch deadline. Events may arrive in any order (two consumers,
redeliveries), so every write is order-independent: a deadline is replaced
only under the row lock and only by a newer revision (``scheduling.judge_move``),
a cancellation or a settled startup is a mark that nothing clears, and a row
is created by whichever event comes first. Due rows are claimed with
``FOR UPDATE SKIP LOCKED``, so two replicas never fire the same deadline.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from orchestra_expiry.scheduling import (
    Entry,
    FiredReason,
    Refusal,
    judge_move,
    rearmed_warnings,
)

COLUMNS = (
    "instance, owner, expires_at, revision, warned, startup_deadline, startup_settled_at, "
    "fired_at, cancelled_at, trace_context, idle_timeout_seconds, idle_warning_seconds, "
    "last_active_at, idle_warned_for"
)
# A row made by a status change or a cancellation before the launch: no deadline yet.
PLACEHOLDER_REVISION = -1


def _entry(row: asyncpg.Record) -> Entry:
    return Entry(**dict(row))


async def get(pool: asyncpg.Pool, instance: str) -> Entry | None:
    row = await pool.fetchrow(
        f"SELECT {COLUMNS} FROM expiry_schedule WHERE instance = $1", instance
    )
    return None if row is None else _entry(row)


async def record_deadline(
    pool: asyncpg.Pool,
    *,
    instance: str,
    owner: str,
    expires_at: datetime,
    revision: int,
    startup_deadline: datetime | None = None,
    trace_context: str | None = None,
    idle_timeout_seconds: int | None = None,
    idle_warning_seconds: int | None = None,
) -> Refusal | None:
    """Schedule or move a deadline; returns why not when a newer decision stands.

    ``startup_deadline`` and the idle rule (from the launch) are kept whatever the
    revision says, because an extension may have been handled before its launch.
    """
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute(
            """INSERT INTO expiry_schedule (instance, owner, revision) VALUES ($1, $2, $3)
               ON CONFLICT (instance) DO NOTHING""",
            instance,
            owner,
            PLACEHOLDER_REVISION,
        )
        row = await connection.fetchrow(
            f"SELECT {COLUMNS} FROM expiry_schedule WHERE instance = $1 FOR UPDATE", instance
        )
        current = _entry(row)
        refusal = judge_move(current, revision)
        if refusal is None:
            await connection.execute(
                """UPDATE expiry_schedule SET expires_at = $2, revision = $3, warned = $4,
                       startup_deadline = COALESCE(startup_deadline, $5),
                       trace_context = COALESCE(trace_context, $6), updated_at = now()
                   WHERE instance = $1""",
                instance,
                expires_at,
                revision,
                rearmed_warnings(current, expires_at),
                startup_deadline,
                trace_context,
            )
        elif startup_deadline is not None and current.startup_deadline is None:
            await connection.execute(
                """UPDATE expiry_schedule SET startup_deadline = $2, updated_at = now()
                   WHERE instance = $1""",
                instance,
                startup_deadline,
            )
        if idle_timeout_seconds is not None and current.idle_timeout_seconds is None:
            await connection.execute(
                """UPDATE expiry_schedule SET idle_timeout_seconds = $2,
                       idle_warning_seconds = $3, updated_at = now()
                   WHERE instance = $1""",
                instance,
                idle_timeout_seconds,
                idle_warning_seconds or 0,
            )
        return refusal


async def record_claim(
    pool: asyncpg.Pool,
    *,
    instance: str,
    owner: str,
    expires_at: datetime,
    claimed_at: datetime,
    idle_timeout_seconds: int | None,
    idle_warning_seconds: int | None,
) -> bool:
    """A learner claimed a warm instance (docs/src/content/docs/decisions/0070): from now on it keeps their
    deadline and their idle rule, with the idle clock starting at the claim.

    Once only: the row changes hands while a pool owns it (a redelivered claim finds it
    the learner's and changes nothing, so it cannot undo a later extension); a claim that
    comes before its launch makes the row, and the launch (revision 0) then changes no
    deadline. Nothing is done for an instance already ended or fired. Returns whether
    the claim moved anything."""
    done = await pool.execute(
        """INSERT INTO expiry_schedule (instance, owner, expires_at, revision,
                                        idle_timeout_seconds, idle_warning_seconds,
                                        last_active_at)
           VALUES ($1, $2, $3, 0, $4, $5, $6)
           ON CONFLICT (instance) DO UPDATE
               SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at,
                   revision = GREATEST(expiry_schedule.revision, 0), warned = '{}',
                   idle_timeout_seconds = EXCLUDED.idle_timeout_seconds,
                   idle_warning_seconds = EXCLUDED.idle_warning_seconds,
                   last_active_at = GREATEST(expiry_schedule.last_active_at, $6),
                   updated_at = now()
               WHERE expiry_schedule.owner <> EXCLUDED.owner
                 AND expiry_schedule.fired_at IS NULL
                 AND expiry_schedule.cancelled_at IS NULL""",
        instance,
        owner,
        expires_at,
        idle_timeout_seconds,
        idle_warning_seconds or (0 if idle_timeout_seconds else None),
        claimed_at,
    )
    return str(done).rsplit(" ", 1)[-1] == "1"


async def cancel(pool: asyncpg.Pool, *, instance: str, owner: str) -> None:
    """The instance ended: nothing fires for it any more, even if its launch comes later."""
    await pool.execute(
        """INSERT INTO expiry_schedule (instance, owner, revision, cancelled_at)
           VALUES ($1, $2, $3, now())
           ON CONFLICT (instance) DO UPDATE
               SET cancelled_at = COALESCE(expiry_schedule.cancelled_at, now()), updated_at = now()""",
        instance,
        owner,
        PLACEHOLDER_REVISION,
    )


async def settle_startup(pool: asyncpg.Pool, *, instance: str, owner: str, at: datetime) -> None:
    """The launch became Ready (or the operator failed it): it can no longer be stuck."""
    await pool.execute(
        """INSERT INTO expiry_schedule (instance, owner, revision, startup_settled_at)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (instance) DO UPDATE
               SET startup_settled_at = COALESCE(expiry_schedule.startup_settled_at, $4),
                   updated_at = now()""",
        instance,
        owner,
        PLACEHOLDER_REVISION,
        at,
    )


async def start_idle_clock(pool: asyncpg.Pool, *, instance: str, owner: str, at: datetime) -> None:
    """The workshop is Ready: from now on a time without activity counts as idle."""
    await pool.execute(
        """INSERT INTO expiry_schedule (instance, owner, revision, last_active_at)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (instance) DO UPDATE
               SET last_active_at = GREATEST(expiry_schedule.last_active_at, $4),
                   updated_at = now()""",
        instance,
        owner,
        PLACEHOLDER_REVISION,
        at,
    )


async def record_activity(pool: asyncpg.Pool, activity: dict[str, datetime]) -> int:
    """Activity per instance (a gate's report, a learner's keep) in one statement.

    ``last_active_at`` only moves forward, so reports from several gate replicas,
    late or redelivered, can only make a session look more recently used; instances
    expiry does not know, or that ended or fired, are left alone. Returns the rows moved.
    """
    if not activity:
        return 0
    names = sorted(activity)
    done = await pool.execute(
        """UPDATE expiry_schedule AS s SET last_active_at = a.at, updated_at = now()
           FROM unnest($1::text[], $2::timestamptz[]) AS a(instance, at)
           WHERE s.instance = a.instance AND s.fired_at IS NULL AND s.cancelled_at IS NULL
             AND (s.last_active_at IS NULL OR s.last_active_at < a.at)""",
        names,
        [activity[name] for name in names],
    )
    return int(done.rsplit(" ", 1)[-1])


async def claim_due(
    connection: asyncpg.Connection,
    *,
    now: datetime,
    leads: list[int],
    startup_grace: timedelta,
    limit: int,
) -> list[Entry]:
    """Live rows with a deadline, a stuck launch or a warning due, locked for this transaction.

    Rows another replica holds are skipped, not waited for.
    """
    rows = await connection.fetch(
        f"""
        SELECT {COLUMNS} FROM expiry_schedule
        WHERE fired_at IS NULL AND cancelled_at IS NULL AND (
            expires_at <= $1
            OR (startup_settled_at IS NULL AND startup_deadline + $4::interval <= $1)
            OR EXISTS (
                SELECT 1 FROM unnest($3::int[]) AS lead
                WHERE NOT lead = ANY(warned) AND expires_at - make_interval(secs => lead) <= $1
            )
            OR (idle_timeout_seconds IS NOT NULL AND last_active_at IS NOT NULL AND (
                last_active_at + make_interval(secs => idle_timeout_seconds) <= $1
                OR (idle_warned_for IS DISTINCT FROM last_active_at
                    AND last_active_at + make_interval(
                        secs => idle_timeout_seconds - idle_warning_seconds) <= $1)
            ))
        )
        ORDER BY LEAST(expires_at, startup_deadline) LIMIT $2
        FOR UPDATE SKIP LOCKED
        """,
        now,
        limit,
        leads,
        startup_grace,
    )
    return [_entry(row) for row in rows]


async def mark_fired(
    connection: asyncpg.Connection, instance: str, now: datetime, reason: FiredReason
) -> None:
    await connection.execute(
        """UPDATE expiry_schedule SET fired_at = $2, fired_reason = $3, updated_at = now()
           WHERE instance = $1""",
        instance,
        now,
        reason,
    )


async def mark_idle_warned(
    connection: asyncpg.Connection, instance: str, idle_since: datetime
) -> None:
    await connection.execute(
        """UPDATE expiry_schedule SET idle_warned_for = $2, updated_at = now()
           WHERE instance = $1""",
        instance,
        idle_since,
    )


async def mark_warned(connection: asyncpg.Connection, instance: str, leads: list[int]) -> None:
    await connection.execute(
        """UPDATE expiry_schedule SET warned = warned || $2::int[], updated_at = now()
           WHERE instance = $1""",
        instance,
        leads,
    )
