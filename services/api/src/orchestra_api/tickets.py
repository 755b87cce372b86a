"""Reading and writing the waiting room's tickets: one line for every launch.

Thin I/O over ``class_queue`` (migrations 0030_classes and 0047_open_queue,
docs/src/content/docs/decisions/0070): a ticket is a class's join (``class_id`` set) or an
ordinary launch (``class_id`` NULL) that found no room. Arrival order is the id. What a
place in line means, and who moves the line, is decided in ``queueing``.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeAlias

import asyncpg

TICKET_COLUMNS = (
    "id, class_id, owner, enqueued_at, state, blocked_on, instance, reason, template_slug, "
    "duration, idempotency_key, settled_at"
)

Connection: TypeAlias = asyncpg.Connection | asyncpg.Pool
BlockedOn = Literal["capacity", "seats", "template"]


@dataclass(frozen=True)
class TicketRecord:
    id: int
    class_id: str | None
    owner: str
    enqueued_at: datetime
    state: str
    blocked_on: str
    instance: str | None
    reason: str | None
    template_slug: str | None
    duration: str | None
    idempotency_key: str | None
    settled_at: datetime | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> "TicketRecord":
        return cls(**{key: row[key] for key in TICKET_COLUMNS.replace(" ", "").split(",")})


@dataclass(frozen=True)
class PositionedTicket:
    """A waiting ticket and its place in the line it waits in (1: next)."""

    ticket: TicketRecord
    position: int


async def enqueue(
    connection: Connection,
    class_id: str,
    owner: str,
    blocked_on: str,
    at: datetime,
    *,
    template_slug: str | None = None,
) -> TicketRecord:
    """The learner's place in a class's line: a new one, or the one they already hold."""
    row = await connection.fetchrow(
        f"""INSERT INTO class_queue (class_id, owner, blocked_on, enqueued_at, template_slug)
            VALUES ($1, $2, $3, $4,
                    COALESCE($5, (SELECT template_slug FROM classes WHERE id = $1)))
            ON CONFLICT (class_id, owner) WHERE state = 'waiting' DO NOTHING
            RETURNING {TICKET_COLUMNS}""",
        class_id,
        owner,
        blocked_on,
        at,
        template_slug,
    )
    if row is None:
        existing = await fetch_waiting_ticket(connection, class_id, owner)
        assert existing is not None  # the conflict was with it
        return existing
    return TicketRecord.from_row(row)


async def enqueue_launch(
    connection: asyncpg.Connection,
    *,
    owner: str,
    template_slug: str,
    duration: str | None,
    idempotency_key: str | None,
    blocked_on: BlockedOn,
    at: datetime,
) -> TicketRecord:
    """An ordinary launch's place in line. The caller holds the learner's lock and has
    looked for their ticket by key and template first, so this never conflicts."""
    row = await connection.fetchrow(
        f"""INSERT INTO class_queue (class_id, owner, blocked_on, enqueued_at, template_slug,
                                     duration, idempotency_key)
            VALUES (NULL, $1, $2, $3, $4, $5, $6)
            RETURNING {TICKET_COLUMNS}""",
        owner,
        blocked_on,
        at,
        template_slug,
        duration,
        idempotency_key,
    )
    return TicketRecord.from_row(row)


async def fetch_ticket(connection: Connection, ticket: int) -> TicketRecord | None:
    row = await connection.fetchrow(
        f"SELECT {TICKET_COLUMNS} FROM class_queue WHERE id = $1", ticket
    )
    return TicketRecord.from_row(row) if row else None


async def fetch_ticket_by_key(connection: Connection, owner: str, key: str) -> TicketRecord | None:
    row = await connection.fetchrow(
        f"SELECT {TICKET_COLUMNS} FROM class_queue WHERE owner = $1 AND idempotency_key = $2",
        owner,
        key,
    )
    return TicketRecord.from_row(row) if row else None


async def fetch_waiting_ticket(
    connection: Connection, class_id: str, owner: str
) -> TicketRecord | None:
    row = await connection.fetchrow(
        f"""SELECT {TICKET_COLUMNS} FROM class_queue
            WHERE class_id = $1 AND owner = $2 AND state = 'waiting'""",
        class_id,
        owner,
    )
    return TicketRecord.from_row(row) if row else None


async def fetch_waiting(connection: Connection, limit: int) -> list[TicketRecord]:
    """Waiting tickets in arrival order."""
    rows = await connection.fetch(
        f"SELECT {TICKET_COLUMNS} FROM class_queue WHERE state = 'waiting' ORDER BY id LIMIT $1",
        limit,
    )
    return [TicketRecord.from_row(row) for row in rows]


async def fetch_waiting_of_class(connection: Connection, class_id: str) -> list[TicketRecord]:
    rows = await connection.fetch(
        f"""SELECT {TICKET_COLUMNS} FROM class_queue
            WHERE state = 'waiting' AND class_id = $1 ORDER BY id""",
        class_id,
    )
    return [TicketRecord.from_row(row) for row in rows]


async def fetch_waiting_of_owner(connection: Connection, owner: str) -> list[TicketRecord]:
    rows = await connection.fetch(
        f"""SELECT {TICKET_COLUMNS} FROM class_queue
            WHERE state = 'waiting' AND owner = $1 ORDER BY id""",
        owner,
    )
    return [TicketRecord.from_row(row) for row in rows]


async def fetch_positions(connection: Connection) -> list[PositionedTicket]:
    """Every waiting ticket with its position, first in line first.

    A ticket waits in one of three lines: the platform's (``capacity``: everyone, classes
    and ordinary launches alike), its class's seats (``seats``: counted over the class's
    waiting tickets), or its template's own capacity (``template``).
    """
    rows = await connection.fetch(
        f"""SELECT {TICKET_COLUMNS},
                   CASE blocked_on
                     WHEN 'seats' THEN row_number() OVER (PARTITION BY class_id ORDER BY id)
                     WHEN 'template'
                       THEN row_number() OVER (PARTITION BY blocked_on, template_slug ORDER BY id)
                     ELSE row_number() OVER (PARTITION BY blocked_on ORDER BY id)
                   END AS position
            FROM class_queue WHERE state = 'waiting' ORDER BY id"""
    )
    return [PositionedTicket(TicketRecord.from_row(row), row["position"]) for row in rows]


# A learner's standing in the waiting room as FROM items ($1 the owner, $2 the template), for
# an ordinary launch (``waiting.fetch_standing``): their places in line (they count as the
# sessions to come), their open place for this template, and what a newcomer would wait
# behind (``waiting_ahead`` with no class).
LINE_FROM_SQL = """
    (SELECT count(*) AS places,
            count(*) FILTER (WHERE template_slug = $2) AS places_of_template,
            max(id) FILTER (WHERE template_slug = $2 AND class_id IS NULL) AS open_ticket
     FROM class_queue WHERE state = 'waiting' AND owner = $1) AS line,
    (SELECT (SELECT blocked_on FROM class_queue
             WHERE state = 'waiting'
               AND (blocked_on = 'capacity' OR (blocked_on = 'template' AND template_slug = $2))
             ORDER BY (blocked_on = 'template') DESC, id LIMIT 1) AS ahead) AS behind
"""


async def waiting_ahead(
    connection: Connection, class_id: str | None, template_slug: str | None = None
) -> str | None:
    """Whether a newcomer would overtake someone, and what those wait for: 'seats' when a
    ticket of the same class waits for its seats, 'template' when one of the same template
    waits for the template's capacity, 'capacity' when one waits for the platform's
    capacity, None when nobody waits ahead."""
    blocked: str | None = await connection.fetchval(
        """SELECT blocked_on FROM class_queue
           WHERE state = 'waiting'
             AND (blocked_on = 'capacity'
                  OR (blocked_on = 'seats' AND class_id = $1)
                  OR (blocked_on = 'template' AND template_slug = $2))
           ORDER BY (blocked_on = 'seats') DESC, (blocked_on = 'template') DESC, id LIMIT 1""",
        class_id,
        template_slug,
    )
    return blocked


async def set_blocked_on(connection: Connection, ticket: int, blocked_on: str) -> None:
    await connection.execute(
        "UPDATE class_queue SET blocked_on = $2 WHERE id = $1 AND state = 'waiting'",
        ticket,
        blocked_on,
    )


async def settle_ticket(
    connection: Connection,
    ticket: int,
    state: str,
    at: datetime,
    *,
    instance: str | None = None,
    reason: str | None = None,
) -> TicketRecord | None:
    """End a wait (admitted, left, refused); None when it was no longer waiting."""
    row = await connection.fetchrow(
        f"""UPDATE class_queue SET state = $2, settled_at = $3, instance = $4, reason = $5
            WHERE id = $1 AND state = 'waiting' RETURNING {TICKET_COLUMNS}""",
        ticket,
        state,
        at,
        instance,
        reason,
    )
    return TicketRecord.from_row(row) if row else None


async def count_lines(connection: Connection) -> dict[str, int]:
    """Waiting tickets by line (capacity, seats, template), for the metrics."""
    rows = await connection.fetch(
        "SELECT blocked_on, count(*) AS n FROM class_queue WHERE state = 'waiting' "
        "GROUP BY blocked_on"
    )
    return {row["blocked_on"]: int(row["n"]) for row in rows}


@dataclass(frozen=True)
class Pace:
    """What the waiting room's estimate is made from (see ``queueing.estimate``)."""

    ended_recently: int
    window_seconds: int
    median_ready_seconds: float | None


async def fetch_pace(
    connection: Connection, template_slug: str, now: datetime, window_seconds: int
) -> Pace:
    row = await connection.fetchrow(
        """SELECT
             (SELECT count(*) FROM instances
              WHERE terminated_at > $2::timestamptz - make_interval(secs => $3)) AS ended_recently,
             (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FROM (
                SELECT extract(epoch FROM ready_at - created_at) AS seconds FROM instances
                WHERE template_slug = $1 AND ready_at IS NOT NULL
                ORDER BY ready_at DESC LIMIT 50) AS recent) AS median_ready_seconds""",
        template_slug,
        now,
        window_seconds,
    )
    median = row["median_ready_seconds"]
    return Pace(
        ended_recently=row["ended_recently"],
        window_seconds=window_seconds,
        median_ready_seconds=float(median) if median is not None else None,
    )
