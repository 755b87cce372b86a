"""Terminating an instance early: queue a ``terminate requested`` event through the outbox.

The api never deletes anything in the cluster; the operator acts on the event
and sync records what the cluster then does.
"""

from datetime import datetime

import asyncpg

from orchestra_api.records import InstanceRecord, add_to_outbox
from orchestra_shared.events import TerminateRequested, TerminationReason


async def request_termination(
    pool: asyncpg.Pool,
    instance: InstanceRecord,
    *,
    reason: TerminationReason,
    requested_by: str,
    now: datetime,
) -> None:
    event = TerminateRequested(
        instance=instance.name,
        owner=instance.owner,
        occurred_at=now,
        reason=reason,
        requested_by=requested_by,
    )
    async with pool.acquire() as connection, connection.transaction():
        await add_to_outbox(connection, event)
