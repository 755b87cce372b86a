"""Remembering why workshops were asked to end, and knowing when that memory is complete.

The operator annotates a Workshop with its termination reason just before
deleting it, and sync reads that from the DELETED event. A Workshop deleted
while sync was down is gone when sync returns, annotation and all; the reason
survives in the stream, as the ``terminate requested`` command the operator
acted on. Sync's durable consumer (``subscribers``) keeps each instance's first
request in ``termination_requests``; ``Terminations.caught_up`` tells the
vanished-Workshop reconciliation when everything published so far is stored.
"""

from __future__ import annotations

import asyncpg
import nats.errors
from nats.js import JetStreamContext

from orchestra_shared import subjects
from orchestra_shared.events import TerminateRequested

SPEC = subjects.SYNC_TERMINATIONS


async def remember(pool: asyncpg.Pool, event: TerminateRequested) -> None:
    await pool.execute(
        """INSERT INTO termination_requests (instance, reason, requested_by, requested_at, event_id)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (instance) DO NOTHING""",
        event.instance,
        event.reason,
        event.requested_by,
        event.occurred_at,
        event.event_id,
    )


class Terminations:
    """Whether the terminate requests consumer has stored everything published so far."""

    def __init__(self) -> None:
        self.js: JetStreamContext | None = None

    async def caught_up(self) -> bool:
        """True when nothing is pending or unacknowledged (False without NATS)."""
        if self.js is None:
            return False
        try:
            info = await self.js.consumer_info(subjects.STREAM, SPEC.durable, timeout=2.0)
        except (nats.errors.Error, OSError, TimeoutError):
            return False
        return not info.num_pending and not info.num_ack_pending
