"""Single use of tickets: the first redemption wins, whichever gate replica sees it.

A ticket's id goes into ``gate_redemptions`` (primary key) when it is redeemed; a
second insert of the same id finds it there and the ticket is refused as
replayed. Postgres decides, so two replicas racing on one ticket admit once.
Each row says who redeemed the ticket and in which role. Owners' rows of expired
tickets are deleted on the way (an expired ticket is refused before it gets here,
so its row is no longer needed); anyone else's (an instructor helping) are kept:
they are the record of who entered a learner's workshop, which the learner reads
(docs/src/content/docs/decisions/0070). Called by ``routes``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from orchestra_shared.passes import Pass

_REDEEM = """
INSERT INTO gate_redemptions (ticket_id, instance, expires_at, redeemed_by, role)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (ticket_id) DO NOTHING
RETURNING ticket_id
"""
_PURGE = "DELETE FROM gate_redemptions WHERE expires_at < $1 AND role = 'owner'"


async def redeem(pool: asyncpg.Pool, ticket: Pass, *, now: datetime) -> bool:
    """True the first time ``ticket`` is redeemed, False on every later try."""
    async with pool.acquire() as connection, connection.transaction():
        first = await connection.fetchval(
            _REDEEM,
            ticket.id,
            ticket.instance,
            datetime.fromtimestamp(ticket.expires_at, UTC),
            ticket.subject,
            ticket.role,
        )
        await connection.execute(_PURGE, now)
    return first is not None
