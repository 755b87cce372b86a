"""The audit: a Workshop still in the cluster whose instance has ended is asked to end again.

Every other path to an end can fail: expiry may be down at the deadline, the
operator may dead-letter a terminate, a stray redelivery of a launch may
create a Workshop again after its instance was recorded Terminated (sync
treats Terminated as final, so nothing else would notice). Sync is the one
service that sees both the cluster and Postgres, so every ``audit_interval``
it lists the Workshops that exist and looks up their instances; each Workshop
whose instance is Terminated, or whose deadline or terminate request is older
than ``audit_grace`` (a dead-lettered terminate), gets a ``terminate requested`` through sync's outbox (so the request
is durable and traced like any other event). The operator's terminate is
idempotent and leaves a tombstone, so asking again on the next audit is the
retry. Each Workshop found is counted in ``orchestra_sync_audit_orphans`` for
an operator to alert on: on a healthy platform it stays at zero.

Workshops with no instance row are left alone: on a shared cluster they may
belong to another installation.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import get_args

import asyncpg
from prometheus_client import Counter, Gauge

from orchestra_shared import subjects
from orchestra_shared.events import TerminateRequested, TerminationReason, event_json
from orchestra_shared.retrying import raise_if_cancelled

log = logging.getLogger(__name__)
AUDITOR = "orchestra-sync-audit"

ORPHANS = Counter(
    "orchestra_sync_audit_orphans",
    "Workshops found alive after their instance ended (Terminated, or past the deadline "
    "plus the grace), each asked to terminate again; should stay at zero.",
)
ORPHANS_NOW = Gauge(
    "orchestra_sync_audit_orphans_present",
    "Workshops the last audit found alive after their instance ended.",
)


@dataclass(frozen=True)
class Ended:
    name: str
    owner: str
    reason: TerminationReason


ENDED_SQL = """
SELECT i.name, i.owner, i.phase, i.expires_at, t.reason
FROM instances i LEFT JOIN termination_requests t ON t.instance = i.name
WHERE i.name = ANY($1::text[])
  AND (i.phase = 'Terminated'
       OR i.expires_at < $2::timestamptz - make_interval(secs => $3::double precision)
       OR t.requested_at < $2::timestamptz - make_interval(secs => $3::double precision))
ORDER BY i.name
"""

REASONS: frozenset[str] = frozenset(get_args(TerminationReason))


def reason_for(phase: str, remembered: str | None) -> TerminationReason:
    """Why to ask: the reason it was already asked to end with, else its deadline."""
    if remembered in REASONS:
        return remembered  # type: ignore[return-value]
    return "expired"


async def find_ended(
    pool: asyncpg.Pool, present: Iterable[str], *, now: datetime, grace: float
) -> list[Ended]:
    rows = await pool.fetch(ENDED_SQL, sorted(present), now, grace)
    return [Ended(r["name"], r["owner"], reason_for(r["phase"], r["reason"])) for r in rows]


async def ask_to_end(pool: asyncpg.Pool, ended: list[Ended]) -> None:
    """One ``terminate requested`` per Workshop, through sync's outbox."""
    if not ended:
        return
    async with pool.acquire() as connection, connection.transaction():
        for found in ended:
            event = TerminateRequested(
                instance=found.name, owner=found.owner, reason=found.reason, requested_by=AUDITOR
            )
            await connection.execute(
                """INSERT INTO sync_outbox (event_id, instance, subject, payload)
                   VALUES ($1, $2, $3, $4::jsonb)""",
                event.event_id,
                found.name,
                subjects.TERMINATE_REQUESTED,
                json.dumps(event_json(event)),
            )
        await connection.execute("NOTIFY sync_outbox")


async def audit_once(
    pool: asyncpg.Pool, present: Iterable[str], *, now: datetime, grace: float
) -> list[Ended]:
    ended = await find_ended(pool, present, now=now, grace=grace)
    await ask_to_end(pool, ended)
    ORPHANS_NOW.set(len(ended))
    if ended:
        ORPHANS.inc(len(ended))
        log.warning(
            "workshops alive after their instance ended; asked to terminate",
            extra={"workshops": [e.name for e in ended]},
        )
    return ended


async def audit_forever(
    pool: asyncpg.Pool,
    list_names: Callable[[], Awaitable[list[str]]],
    *,
    interval: float,
    grace: float,
    clock: Callable[[], datetime],
    errors: tuple[type[BaseException], ...],
) -> None:
    """Audit every ``interval`` seconds; a failed round (cluster or Postgres) waits for the next."""
    while True:
        raise_if_cancelled()
        try:
            await audit_once(pool, await list_names(), now=clock(), grace=grace)
        except errors as error:
            log.warning("audit failed; trying again next round", extra={"error": repr(error)})
        await asyncio.sleep(interval)
