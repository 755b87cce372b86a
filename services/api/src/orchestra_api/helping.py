"""Help at a learner's workshop: the learner's consent, and who came in (docs/src/content/docs/decisions/0070).

A learner of a class lets the class's instructors into one of their workshops
(``grant``) and may take it back (``revoke``); a class may also let its instructors
in without asking (``classes.help_without_consent``, shown to learners when they
join). ``opening`` mints an instructor's ticket only while ``help_allowed`` holds,
and the gate asks the same question (``orchestra_shared.tables.HELP_ALLOWED_SQL``)
for as long as an instructor's session lasts, so a revoked consent shuts the door
on the next request. The gate writes who redeemed each instructor's ticket into
``gate_redemptions``: ``accesses`` reads that record for the learner.

Each grant and revoke also tells the class's instructors (a ``roster changed``
notice in the same transaction), so the roster's "Open (help)" appears live.
Called by ``routes.helpers``, ``opening`` and ``teaching``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

import asyncpg

from orchestra_api.cohorts import ClassRecord, fetch_class
from orchestra_api.identities import Identity
from orchestra_api.problems import Forbidden, NotFound, NotInAClass
from orchestra_api.records import InstanceRecord, add_to_outbox, fetch_instance
from orchestra_shared.events import RosterChanged
from orchestra_shared.tables import HELP_ALLOWED_SQL

Connection: TypeAlias = asyncpg.Connection | asyncpg.Pool

# How many accesses the learner's dashboard lists, newest first.
ACCESSES_SHOWN = 50


@dataclass(frozen=True)
class Access:
    """One instructor's entry into the workshop, as the gate recorded it."""

    by: str
    role: str
    at: datetime


@dataclass(frozen=True)
class Help:
    """Whether the class's instructors may come in, and who came."""

    instance: str
    klass: ClassRecord
    granted_at: datetime | None
    accesses: list[Access]

    @property
    def allowed(self) -> bool:
        return self.granted_at is not None or self.klass.help_without_consent


def instructs(user: Identity, klass: ClassRecord) -> bool:
    """Named as an instructor of the class, by email or group. Being an admin is not enough:
    admins see every workshop but enter none (docs/src/content/docs/decisions/0050)."""
    return user.email in klass.instructor_emails or bool(user.groups & set(klass.instructor_groups))


async def teaches_any(connection: Connection, user: Identity) -> bool:
    """Named an instructor of any class (so a refusal may say more than a 404 would)."""
    named: bool = await connection.fetchval(
        """SELECT EXISTS (SELECT 1 FROM classes
                          WHERE $1 = ANY(instructor_emails) OR instructor_groups && $2::text[])""",
        user.email,
        sorted(user.groups),
    )
    return named


async def help_allowed(connection: Connection, instance: str) -> bool:
    allowed: bool = await connection.fetchval(HELP_ALLOWED_SQL, instance)
    return allowed


async def helped_instances(connection: Connection, names: list[str]) -> set[str]:
    """Which of ``names`` have a live consent."""
    rows = await connection.fetch(
        "SELECT instance FROM instance_helpers WHERE revoked_at IS NULL AND instance = ANY($1)",
        names,
    )
    return {row["instance"] for row in rows}


async def accesses(connection: Connection, instance: str) -> list[Access]:
    rows = await connection.fetch(
        """SELECT redeemed_by, role, redeemed_at FROM gate_redemptions
           WHERE instance = $1 AND role <> 'owner'
           ORDER BY redeemed_at DESC LIMIT $2""",
        instance,
        ACCESSES_SHOWN,
    )
    return [Access(by=r["redeemed_by"] or "?", role=r["role"], at=r["redeemed_at"]) for r in rows]


async def _granted_at(connection: Connection, instance: str) -> datetime | None:
    granted: datetime | None = await connection.fetchval(
        "SELECT granted_at FROM instance_helpers WHERE instance = $1 AND revoked_at IS NULL",
        instance,
    )
    return granted


async def _class_session(
    connection: Connection, name: str, user: Identity, *, changing: bool
) -> tuple[InstanceRecord, ClassRecord]:
    """The caller's session of a class; only its learner changes consent, admins may read."""
    record = await fetch_instance(connection, name, for_update=changing)
    if record is None or not user.may_act_on(record.owner):
        raise NotFound(f"no instance named {name!r}")
    if changing and record.owner != user.email:
        raise Forbidden("only the learner whose workshop it is may let instructors in")
    klass = await fetch_class(connection, record.class_id) if record.class_id else None
    if klass is None:
        raise NotInAClass(f"{name} was not launched for a class: there are no instructors to ask")
    return record, klass


async def help_of(pool: asyncpg.Pool, name: str, user: Identity) -> Help:
    _, klass = await _class_session(pool, name, user, changing=False)
    return Help(name, klass, await _granted_at(pool, name), await accesses(pool, name))


async def grant(pool: asyncpg.Pool, name: str, user: Identity, now: datetime) -> Help:
    """Let the class's instructors in (again); granting twice keeps the first grant."""
    async with pool.acquire() as connection, connection.transaction():
        record, klass = await _class_session(connection, name, user, changing=True)
        inserted = await connection.fetchval(
            """INSERT INTO instance_helpers (instance, owner, granted_at) VALUES ($1, $2, $3)
               ON CONFLICT (instance) WHERE revoked_at IS NULL DO NOTHING RETURNING id""",
            name,
            record.owner,
            now,
        )
        if inserted is not None:
            await _tell_instructors(connection, record, klass, now)
    return await help_of(pool, name, user)


async def revoke(pool: asyncpg.Pool, name: str, user: Identity, now: datetime) -> Help:
    """No instructor enters any more: no new ticket, and the gate ends open sessions."""
    async with pool.acquire() as connection, connection.transaction():
        record, klass = await _class_session(connection, name, user, changing=True)
        revoked = await connection.fetchval(
            """UPDATE instance_helpers SET revoked_at = $2
               WHERE instance = $1 AND revoked_at IS NULL RETURNING id""",
            name,
            now,
        )
        if revoked is not None:
            await _tell_instructors(connection, record, klass, now)
    return await help_of(pool, name, user)


async def _tell_instructors(
    connection: asyncpg.Connection, record: InstanceRecord, klass: ClassRecord, now: datetime
) -> None:
    await add_to_outbox(
        connection,
        RosterChanged(
            owner=record.owner,
            class_id=klass.id,
            occurred_at=now,
            what="help",
            instance=record.name,
        ),
    )
