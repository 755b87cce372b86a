"""Firing deadlines and warnings from the durable schedule.

Each tick claims what is due (locked, so a second replica skips it), publishes
a ``terminate requested`` (reason ``expired``) or an ``expiring`` warning with
a message id derived from the instance, the revision and the lead time, and
marks the row in the same transaction. A crash between publish and commit
republishes the same message id, which JetStream drops as a duplicate.
Deadlines that passed while the service was down are simply due at the first
tick after start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg
import nats
from nats.js import JetStreamContext

from orchestra_expiry.schedules import claim_due, mark_fired, mark_warned
from orchestra_expiry.scheduling import due_warnings, is_due
from orchestra_shared import subjects
from orchestra_shared.events import Expiring, TerminateRequested, encode_event

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def fire_due(
    pool: asyncpg.Pool,
    js: JetStreamContext,
    *,
    leads: list[int],
    limit: int,
    clock: Clock = _utcnow,
) -> int:
    """One scan; returns how many deadlines fired."""
    now = clock()
    fired = 0
    async with pool.acquire() as connection, connection.transaction():
        for entry in await claim_due(connection, now=now, leads=leads, limit=limit):
            if is_due(entry.expires_at, now):
                event = TerminateRequested(
                    instance=entry.instance, owner=entry.owner, reason="expired", occurred_at=now
                )
                msg_id = f"expire:{entry.instance}:{entry.revision}"
                await js.publish(
                    subjects.TERMINATE_REQUESTED,
                    encode_event(event),
                    headers={"Nats-Msg-Id": msg_id},
                )
                await mark_fired(connection, entry.instance, now)
                lateness = (now - entry.expires_at).total_seconds()
                log.info(
                    "deadline fired", extra={"workshop": entry.instance, "lateness_s": lateness}
                )
                fired += 1
                continue
            leads_due = due_warnings(entry.expires_at, entry.warned, leads, now)
            for lead in leads_due:
                warning = Expiring(
                    instance=entry.instance,
                    owner=entry.owner,
                    expires_at=entry.expires_at,
                    lead_seconds=lead,
                    occurred_at=now,
                )
                await js.publish(
                    subjects.EXPIRING,
                    encode_event(warning),
                    headers={"Nats-Msg-Id": f"warn:{entry.instance}:{entry.revision}:{lead}"},
                )
            if leads_due:
                await mark_warned(connection, entry.instance, leads_due)
    return fired


async def fire_forever(
    pool: asyncpg.Pool, js: JetStreamContext, *, leads: list[int], limit: int, tick: float
) -> None:
    while True:
        try:
            while await fire_due(pool, js, leads=leads, limit=limit) == limit:
                pass
        except (asyncpg.PostgresError, OSError, nats.errors.Error, TimeoutError) as error:
            log.warning("expiry scan failed; retrying", extra={"error": repr(error)})
        await asyncio.sleep(tick)
