"""What an instructor does with a class: see it, extend it, end it, message it (docs/src/content/docs/decisions/0070).

Every action first checks that the caller teaches *this* class (``taught_class``): an
admin, an email in the class's instructors, or a member of one of its instructor
groups; anyone else gets ``NotAnInstructor`` (403). Class-wide actions go session by
session through the same locked steps a learner's own action takes
(``extending.extend_locked``, ``terminating.terminate_locked``), so the template's
limits hold for everyone and each session's command is queued in its outbox once.
Each action is audited (``journaling``) in its own transaction: ending and messaging
once, extending once per session extended. Called by ``routes.classes``.
"""

from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from orchestra_api import journaling
from orchestra_api.cohorts import (
    ClassRecord,
    MemberRecord,
    fetch_class,
    fetch_class_instances,
    fetch_members,
    insert_message,
    mark_class_ended,
)
from orchestra_api.extending import EXTENDABLE_PHASES, extend_locked, extension_length
from orchestra_api.helping import helped_instances
from orchestra_api.identities import Identity
from orchestra_api.pools import count_for_class, fetch_claim_times
from orchestra_api.problems import NotAnInstructor, NotFound, ProblemError
from orchestra_api.queueing import Place, places, refuse_waiting
from orchestra_api.records import InstanceRecord, add_to_outbox, fetch_instance
from orchestra_api.terminating import terminate_locked
from orchestra_shared.catalogs import Catalog
from orchestra_shared.events import ClassMessage


def teaches(user: Identity, klass: ClassRecord) -> bool:
    return (
        user.is_admin
        or user.email in klass.instructor_emails
        or bool(user.groups & set(klass.instructor_groups))
    )


async def taught_class(pool: asyncpg.Pool, class_id: str, user: Identity) -> ClassRecord:
    klass = await fetch_class(pool, class_id)
    if klass is None:
        raise NotFound(f"no class {class_id!r}")
    if not teaches(user, klass):
        raise NotAnInstructor(f"you are not an instructor of the class {klass.title!r}")
    return klass


@dataclass(frozen=True)
class Roster:
    """The class as its instructor sees it: members, their sessions, who waits, and its
    warm pool (instances by state; empty without a pool)."""

    klass: ClassRecord
    members: list[MemberRecord]
    sessions: list[InstanceRecord]
    waiting: list[Place]
    helped: frozenset[str] = frozenset()
    """Sessions whose learner lets the instructors in (``helping``)."""
    # Sessions that were claimed warm instances: when the claim made them the learner's.
    claimed_at: dict[str, datetime] = field(default_factory=dict)
    pool: dict[str, int] = field(default_factory=dict)

    def started_at(self, session: InstanceRecord) -> datetime:
        """When the session became its learner's: the claim for a warm instance (it was
        started for nobody, before the class), else the launch."""
        return self.claimed_at.get(session.name, session.created_at)

    def seconds_to_ready(self, session: InstanceRecord) -> float | None:
        """From the learner's launch or claim to Ready; 0 for a claim of a Ready one."""
        if session.ready_at is None:
            return None
        return max(0.0, (session.ready_at - self.started_at(session)).total_seconds())


async def roster(pool: asyncpg.Pool, klass: ClassRecord, now: datetime) -> Roster:
    sessions = await fetch_class_instances(pool, klass.id)
    pooled = klass.pool_size > 0
    return Roster(
        klass=klass,
        members=await fetch_members(pool, klass.id),
        sessions=sessions,
        waiting=await places(pool, klass, now),
        helped=frozenset(await helped_instances(pool, [s.name for s in sessions])),
        claimed_at=await fetch_claim_times(pool, klass.id) if pooled else {},
        pool=await count_for_class(pool, klass.id) if pooled else {},
    )


def role_of(user: Identity) -> journaling.Role:
    return "admin" if user.is_admin else "instructor"


def is_live(record: InstanceRecord) -> bool:
    return record.phase in EXTENDABLE_PHASES and record.terminate_requested_at is None


@dataclass(frozen=True)
class Outcome:
    """What a class-wide action did to one session; ``problem`` says why it did not."""

    instance: str
    owner: str
    done: bool
    problem: str | None
    record: InstanceRecord | None


async def extend_class(
    pool: asyncpg.Pool,
    catalog: Catalog,
    klass: ClassRecord,
    *,
    user: Identity,
    by_text: str,
    only: list[str] | None,
    now: datetime,
    max_extensions: int,
) -> list[Outcome]:
    """Extend every live session of the class (or those named in ``only``)."""
    by = extension_length(by_text)
    outcomes: list[Outcome] = []
    for session in await fetch_class_instances(pool, klass.id):
        if (only is not None and session.name not in only) or (
            only is None and not is_live(session)
        ):
            continue
        async with pool.acquire() as connection, connection.transaction():
            record = await fetch_instance(connection, session.name, for_update=True)
            assert record is not None  # instance rows are never deleted while their class lives
            try:
                extended = await extend_locked(
                    connection,
                    record,
                    by,
                    catalog=catalog,
                    now=now,
                    max_extensions=max_extensions,
                )
            except ProblemError as problem:
                outcomes.append(Outcome(record.name, record.owner, False, problem.detail, record))
                continue
            await journaling.record(
                connection,
                actor=user.email,
                role=role_of(user),
                action="class.extend",
                target_kind="class",
                target=klass.id,
                subject=record.owner,
                at=now,
                details={
                    "instance": record.name,
                    "by": by_text,
                    "expires_at": extended.expires_at,
                },
            )
        outcomes.append(Outcome(extended.name, extended.owner, True, None, extended))
    return outcomes


async def end_class(
    pool: asyncpg.Pool, klass: ClassRecord, *, user: Identity, now: datetime
) -> list[Outcome]:
    """End the class: nobody more is admitted, the line is told, every live session ends."""
    async with pool.acquire() as connection, connection.transaction():
        await mark_class_ended(connection, klass.id, now)
        await refuse_waiting(connection, klass, "the class has ended", now)
        await journaling.record(
            connection,
            actor=user.email,
            role=role_of(user),
            action="class.end",
            target_kind="class",
            target=klass.id,
            at=now,
            details={"title": klass.title},
        )
    outcomes: list[Outcome] = []
    for session in await fetch_class_instances(pool, klass.id):
        if session.phase == "Terminated" or session.terminate_requested_at is not None:
            continue
        async with pool.acquire() as connection, connection.transaction():
            record = await fetch_instance(connection, session.name, for_update=True)
            if record is None or record.terminate_requested_at is not None:
                continue
            marked = await terminate_locked(
                connection, record, reason="class-ended", requested_by=user.email, now=now
            )
        outcomes.append(Outcome(marked.name, marked.owner, True, None, marked))
    return outcomes


async def message_class(
    pool: asyncpg.Pool, klass: ClassRecord, *, user: Identity, body: str, now: datetime
) -> int:
    """Record the message and send it to every member; returns how many it went to."""
    async with pool.acquire() as connection, connection.transaction():
        await insert_message(connection, klass.id, user.email, body, now)
        members = await fetch_members(connection, klass.id)
        for member in members:
            await add_to_outbox(
                connection,
                ClassMessage(
                    owner=member.owner,
                    class_id=klass.id,
                    occurred_at=now,
                    author=user.email,
                    body=body,
                    class_title=klass.title,
                ),
            )
        await journaling.record(
            connection,
            actor=user.email,
            role=role_of(user),
            action="class.message",
            target_kind="class",
            target=klass.id,
            at=now,
            details={"recipients": len(members), "body": body},
        )
    return len(members)
