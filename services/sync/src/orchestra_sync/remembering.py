"""Remembering why workshops were asked to end, from sync's own durable consumer.

The operator annotates a Workshop with its termination reason just before
deleting it, and sync reads that from the DELETED event. A Workshop deleted
while sync was down is gone when sync returns, annotation and all; the reason
survives in the stream, as the ``terminate requested`` command the operator
acted on. The durable pull consumer ``sync-terminations`` keeps each instance's
first request in ``termination_requests`` (acknowledged after the insert
commits), and ``caught_up`` tells the vanished-Workshop reconciliation when
everything published so far has been stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from pydantic import ValidationError

from orchestra_shared import subjects
from orchestra_shared.events import DeadLetter, TerminateRequested, parse_event
from orchestra_shared.streaming import consumer_config

log = logging.getLogger(__name__)
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
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        batch: int,
        ack_wait: float,
        backoff_min: float,
        backoff_max: float,
    ) -> None:
        self.pool = pool
        self.batch = batch
        self.ack_wait = ack_wait
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.js: JetStreamContext | None = None

    async def caught_up(self) -> bool:
        """True when every terminate request published so far is stored (False without NATS)."""
        if self.js is None:
            return False
        try:
            info = await self.js.consumer_info(subjects.STREAM, SPEC.durable, timeout=2.0)
        except (nats.errors.Error, OSError, TimeoutError):
            return False
        return not info.num_pending and not info.num_ack_pending

    async def _handle(self, js: JetStreamContext, message: Msg) -> None:
        try:
            event = parse_event(message.data)
        except ValidationError as error:
            letter = DeadLetter(
                consumer=SPEC.durable,
                subject=message.subject,
                reason=f"not a valid event: {error}"[:2000],
                payload=message.data.decode(errors="replace"),
            )
            await js.publish(
                subjects.dead_letter_subject(SPEC.durable), letter.model_dump_json().encode()
            )
            await message.ack()
            return
        if isinstance(event, TerminateRequested):
            await remember(self.pool, event)
        await message.ack()

    async def run(self, js: JetStreamContext) -> None:
        """Consume until cancelled; failures are retried (the message is redelivered)."""
        delay = self.backoff_min
        subscription = None
        while True:
            try:
                if subscription is None:
                    subscription = await js.pull_subscribe(
                        SPEC.subjects[0],
                        durable=SPEC.durable,
                        stream=subjects.STREAM,
                        config=consumer_config(SPEC, ack_wait=self.ack_wait),
                    )
                    self.js = js
                try:
                    messages = await subscription.fetch(self.batch, timeout=1.0)
                except (nats.errors.TimeoutError, TimeoutError):
                    # Nothing to fetch: nats-py re-raises asyncio's own timeout on some
                    # paths, which is no failure either (not worth a warning and a backoff).
                    continue
                for index, message in enumerate(messages):
                    try:
                        await self._handle(js, message)
                    except BaseException:
                        # Redeliver soon, not after ack_wait: a vanished Workshop waits for them.
                        for unhandled in messages[index:]:
                            with contextlib.suppress(nats.errors.Error, OSError):
                                await unhandled.nak(delay=self.backoff_max)
                        raise
                delay = self.backoff_min
            except (
                nats.errors.Error,
                asyncpg.PostgresError,
                asyncpg.InterfaceError,
                OSError,
                TimeoutError,
            ) as error:
                log.warning(
                    "terminate requests consumer failed; retrying", extra={"error": repr(error)}
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max)
