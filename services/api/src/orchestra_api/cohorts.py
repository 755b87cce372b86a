"""Reading and writing classes, their members, their waiting room and their messages.

Thin I/O over the tables of migration 0030_classes (docs/src/content/docs/decisions/0070): SQL in, typed
records out; the waiting room's tickets are in ``tickets``. Who may do what, and what a class looks like, is decided in
``enrolling``, ``teaching`` and ``queueing``.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

import asyncpg

from orchestra_api.records import INSTANCE_COLUMNS, InstanceRecord
from orchestra_shared.tables import ACTIVE_PHASES_SQL

CLASS_COLUMNS = """
    id, title, template_slug, starts_at, ends_at, expected_size, seats, session_tag,
    join_code, instructor_emails, instructor_groups, created_by, created_at, ended_at,
    pool_size, pool_lead_seconds, pool_grace_seconds, help_without_consent
"""

Connection: TypeAlias = asyncpg.Connection | asyncpg.Pool


@dataclass(frozen=True)
class ClassRecord:
    id: str
    title: str
    template_slug: str
    starts_at: datetime
    ends_at: datetime
    expected_size: int
    seats: int | None
    session_tag: str
    join_code: str
    instructor_emails: list[str]
    instructor_groups: list[str]
    created_by: str
    created_at: datetime
    ended_at: datetime | None
    pool_size: int = 0
    pool_lead_seconds: int = 900
    pool_grace_seconds: int = 900
    help_without_consent: bool = False
    """Instructors may enter learners' workshops without each one's consent (0045_helpers)."""

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> "ClassRecord":
        values = dict(row)
        values["instructor_emails"] = list(values["instructor_emails"])
        values["instructor_groups"] = list(values["instructor_groups"])
        return cls(**values)

    def is_open(self, now: datetime) -> bool:
        """Whether anyone may still join (and be admitted from the waiting room)."""
        return self.ended_at is None and now < self.ends_at


@dataclass(frozen=True)
class NewClass:
    id: str
    title: str
    template_slug: str
    starts_at: datetime
    ends_at: datetime
    expected_size: int
    seats: int | None
    session_tag: str
    join_code: str
    instructor_emails: list[str]
    instructor_groups: list[str]
    created_by: str
    pool_size: int = 0
    pool_lead_seconds: int = 900
    pool_grace_seconds: int = 900
    help_without_consent: bool = False


@dataclass(frozen=True)
class MemberRecord:
    owner: str
    joined_at: datetime


async def insert_class(connection: Connection, new: NewClass) -> ClassRecord:
    row = await connection.fetchrow(
        f"""INSERT INTO classes (id, title, template_slug, starts_at, ends_at, expected_size,
                                 seats, session_tag, join_code, instructor_emails,
                                 instructor_groups, created_by, pool_size, pool_lead_seconds,
                                 pool_grace_seconds, help_without_consent)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
            RETURNING {CLASS_COLUMNS}""",
        new.id,
        new.title,
        new.template_slug,
        new.starts_at,
        new.ends_at,
        new.expected_size,
        new.seats,
        new.session_tag,
        new.join_code,
        new.instructor_emails,
        new.instructor_groups,
        new.created_by,
        new.pool_size,
        new.pool_lead_seconds,
        new.pool_grace_seconds,
        new.help_without_consent,
    )
    return ClassRecord.from_row(row)


async def fetch_class(
    connection: Connection, class_id: str, *, for_update: bool = False
) -> ClassRecord | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await connection.fetchrow(
        f"SELECT {CLASS_COLUMNS} FROM classes WHERE id = $1{lock}", class_id
    )
    return ClassRecord.from_row(row) if row else None


async def fetch_class_by_code(connection: Connection, code: str) -> ClassRecord | None:
    row = await connection.fetchrow(
        f"SELECT {CLASS_COLUMNS} FROM classes WHERE join_code = $1", code
    )
    return ClassRecord.from_row(row) if row else None


async def fetch_classes_taught(
    connection: Connection, email: str, groups: list[str], *, everyone: bool
) -> list[ClassRecord]:
    """The classes ``email`` (or one of ``groups``) teaches, newest start first; all for admins."""
    rows = await connection.fetch(
        f"""SELECT {CLASS_COLUMNS} FROM classes
            WHERE $3 OR $1 = ANY(instructor_emails) OR instructor_groups && $2::text[]
            ORDER BY starts_at DESC, id""",
        email,
        groups,
        everyone,
    )
    return [ClassRecord.from_row(row) for row in rows]


async def fetch_classes_joined(connection: Connection, owner: str) -> list[ClassRecord]:
    rows = await connection.fetch(
        f"""SELECT {", ".join("c." + c.strip() for c in CLASS_COLUMNS.split(","))}
            FROM classes c JOIN class_members m ON m.class_id = c.id
            WHERE m.owner = $1 ORDER BY c.starts_at DESC, c.id""",
        owner,
    )
    return [ClassRecord.from_row(row) for row in rows]


async def add_member(connection: Connection, class_id: str, owner: str, at: datetime) -> bool:
    """True when ``owner`` is new to the class (a second join adds nothing)."""
    added = await connection.fetchval(
        """INSERT INTO class_members (class_id, owner, joined_at) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING RETURNING true""",
        class_id,
        owner,
        at,
    )
    return bool(added)


async def fetch_members(connection: Connection, class_id: str) -> list[MemberRecord]:
    rows = await connection.fetch(
        "SELECT owner, joined_at FROM class_members WHERE class_id = $1 ORDER BY joined_at, owner",
        class_id,
    )
    return [MemberRecord(**dict(row)) for row in rows]


async def fetch_class_instances(connection: Connection, class_id: str) -> list[InstanceRecord]:
    """Every session launched for the class, oldest first."""
    rows = await connection.fetch(
        f"""SELECT {INSTANCE_COLUMNS} FROM instances WHERE class_id = $1
            ORDER BY created_at, name""",
        class_id,
    )
    return [InstanceRecord.from_row(row) for row in rows]


async def fetch_live_class_instance(
    connection: Connection, class_id: str, owner: str, now: datetime
) -> InstanceRecord | None:
    """The learner's session of this class that still counts (not ended, not asked to end)."""
    row = await connection.fetchrow(
        f"""SELECT {INSTANCE_COLUMNS} FROM instances
            WHERE class_id = $1 AND owner = $2 AND {ACTIVE_PHASES_SQL}
              AND terminate_requested_at IS NULL AND expires_at > $3
            ORDER BY created_at LIMIT 1""",
        class_id,
        owner,
        now,
    )
    return InstanceRecord.from_row(row) if row else None


async def count_class_seats_taken(connection: Connection, class_id: str) -> int:
    """Sessions of the class holding a seat: in an active phase and not asked to end."""
    taken: int = await connection.fetchval(
        f"""SELECT count(*) FROM instances
            WHERE class_id = $1 AND {ACTIVE_PHASES_SQL} AND terminate_requested_at IS NULL""",
        class_id,
    )
    return taken


async def lock_class(connection: asyncpg.Connection, class_id: str) -> None:
    """Serialise the launches of one class until the transaction ends (seats stay exact)."""
    await connection.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('class:' || $1, 0))", class_id
    )


async def mark_class_ended(connection: Connection, class_id: str, at: datetime) -> None:
    await connection.execute(
        "UPDATE classes SET ended_at = COALESCE(ended_at, $2) WHERE id = $1", class_id, at
    )


async def insert_message(
    connection: Connection, class_id: str, author: str, body: str, at: datetime
) -> int:
    message_id: int = await connection.fetchval(
        """INSERT INTO class_messages (class_id, author, body, sent_at)
           VALUES ($1, $2, $3, $4) RETURNING id""",
        class_id,
        author,
        body,
        at,
    )
    return message_id
