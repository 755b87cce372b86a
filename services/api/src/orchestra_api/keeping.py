"""Keeping an idle session, and what admins see of idle sessions (docs/src/content/docs/decisions/0060).

Expiry owns the idle rule: it warns a learner whose workshop saw no activity for
the template's idle timeout minus its warning period, and ends the session at the
timeout. "Keep my session" in the dashboard is ``keep``: it checks the caller is
the owner of a running instance and queues ``activity kept`` in the outbox, which
expiry counts as activity at that moment. The api decides nothing about idleness;
it reads expiry's idle columns of ``expiry_schedule`` for the admin console
(``idle_sessions``) and for the learner's instance views (``idle_states``: a reloaded
dashboard still shows the warning), and never writes them. Called by
``routes.instances`` and ``routes.admin``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from orchestra_api.identities import Identity
from orchestra_api.problems import Forbidden, InstanceEnded, NotFound
from orchestra_api.records import add_to_outbox, fetch_instance
from orchestra_shared.events import ActivityKept


async def keep(pool: asyncpg.Pool, *, name: str, user: Identity, now: datetime) -> datetime:
    """Restart ``name``'s idle clock now, on its owner's word; returns the moment kept."""
    async with pool.acquire() as connection, connection.transaction():
        record = await fetch_instance(connection, name)
        if record is None or not user.may_act_on(record.owner):
            raise NotFound(f"no instance named {name!r}")
        if record.owner != user.email:
            raise Forbidden("only the learner who launched a workshop may keep it")
        if record.terminate_requested_at is not None or record.phase in (
            "Terminating",
            "Terminated",
            "Failed",
        ):
            raise InstanceEnded(f"{name} has ended or is ending")
        await add_to_outbox(
            connection,
            ActivityKept(
                instance=name, owner=record.owner, occurred_at=now, requested_by=user.email
            ),
        )
    return now


@dataclass(frozen=True)
class IdleSession:
    name: str
    owner: str
    template: str
    last_active_at: datetime
    warning_at: datetime
    ends_at: datetime
    warned: bool


_IDLE_SQL = """
SELECT s.instance, s.owner, i.template_slug, s.last_active_at, s.idle_warned_for,
       s.last_active_at + make_interval(secs => s.idle_timeout_seconds - s.idle_warning_seconds)
           AS warning_at,
       s.last_active_at + make_interval(secs => s.idle_timeout_seconds) AS ends_at
FROM expiry_schedule s JOIN instances i ON i.name = s.instance
WHERE s.idle_timeout_seconds IS NOT NULL AND s.last_active_at IS NOT NULL
  AND s.fired_at IS NULL AND s.cancelled_at IS NULL
  AND i.phase = 'Ready' AND i.terminate_requested_at IS NULL
  AND s.last_active_at <= $1
ORDER BY ends_at, s.instance
LIMIT $2
"""


_STATE_SQL = """
SELECT s.instance, s.last_active_at, s.idle_warned_for,
       s.last_active_at + make_interval(secs => s.idle_timeout_seconds - s.idle_warning_seconds)
           AS warning_at,
       s.last_active_at + make_interval(secs => s.idle_timeout_seconds) AS ends_at
FROM expiry_schedule s
WHERE s.instance = ANY($1::text[]) AND s.idle_timeout_seconds IS NOT NULL
  AND s.last_active_at IS NOT NULL AND s.fired_at IS NULL AND s.cancelled_at IS NULL
"""


@dataclass(frozen=True)
class IdleState:
    last_active_at: datetime
    warning_at: datetime
    ends_at: datetime
    warned: bool


async def idle_states(pool: asyncpg.Pool, names: list[str]) -> dict[str, IdleState]:
    """The idle rule's state of each of ``names`` that has one (expiry's columns, read only),
    for the instance views: a reloaded dashboard learns of a warning from here."""
    if not names:
        return {}
    rows = await pool.fetch(_STATE_SQL, names)
    return {
        row["instance"]: IdleState(
            last_active_at=row["last_active_at"],
            warning_at=row["warning_at"],
            ends_at=row["ends_at"],
            warned=row["idle_warned_for"] == row["last_active_at"],
        )
        for row in rows
    }


async def idle_sessions(
    pool: asyncpg.Pool, *, quiet_since: datetime, limit: int
) -> list[IdleSession]:
    """Running sessions with an idle rule whose last activity is at or before ``quiet_since``,
    the soonest to end first."""
    rows = await pool.fetch(_IDLE_SQL, quiet_since, limit)
    return [
        IdleSession(
            name=row["instance"],
            owner=row["owner"],
            template=row["template_slug"],
            last_active_at=row["last_active_at"],
            warning_at=row["warning_at"],
            ends_at=row["ends_at"],
            warned=row["idle_warned_for"] == row["last_active_at"],
        )
        for row in rows
    ]
