"""Terminating an instance early: mark it and queue a ``terminate requested`` event atomically.

The api never deletes anything in the cluster; the operator acts on the event
and sync records what the cluster then does. The row lock makes a repeated
DELETE (a double click, a retry, an admin and the learner at once) queue one
event, not several; an instance already ended or ending is answered as it is. An
admin's termination of someone else's instance is audited (``journaling``) in the
same transaction.
Called by ``routes.instances`` (learner or admin) and ``routes.admin``.
"""

from datetime import datetime

import asyncpg

from orchestra_api import journaling
from orchestra_api.identities import Identity
from orchestra_api.problems import NotFound
from orchestra_api.records import (
    InstanceRecord,
    add_to_outbox,
    fetch_instance,
    mark_terminate_requested,
)
from orchestra_shared.events import TerminateRequested, TerminationReason


async def terminate(
    pool: asyncpg.Pool, *, name: str, user: Identity, now: datetime
) -> InstanceRecord:
    async with pool.acquire() as connection, connection.transaction():
        record = await fetch_instance(connection, name, for_update=True)
        if record is None or not user.may_act_on(record.owner):
            raise NotFound(f"no instance named {name!r}")
        if record.phase == "Terminated" or record.terminate_requested_at is not None:
            return record
        reason: TerminationReason = "user" if record.owner == user.email else "admin"
        marked = await terminate_locked(
            connection, record, reason=reason, requested_by=user.email, now=now
        )
        if reason == "admin":
            await journaling.record(
                connection,
                actor=user.email,
                role="admin",
                action="instance.terminate",
                target_kind="instance",
                target=record.name,
                subject=record.owner,
                at=now,
            )
    return marked


async def terminate_locked(
    connection: asyncpg.Connection,
    record: InstanceRecord,
    *,
    reason: TerminationReason,
    requested_by: str,
    now: datetime,
) -> InstanceRecord:
    """Mark a row the caller locked and queue its ``terminate requested``; also used by
    ``teaching`` to end a whole class."""
    marked = await mark_terminate_requested(connection, record.name, now)
    await add_to_outbox(
        connection,
        TerminateRequested(
            instance=record.name,
            owner=record.owner,
            occurred_at=now,
            reason=reason,
            requested_by=requested_by,
        ),
    )
    return marked
