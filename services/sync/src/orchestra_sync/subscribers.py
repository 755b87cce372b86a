"""Sync's NATS entry: the durable consumer of ``terminate requested`` (``remembering``).

The same consumer style as the operator's and expiry's: a faststream pull
subscriber with manual acknowledgement after the effect is durable. A message
that is not a valid event goes to the dead-letter subject with its reason; a
failed database write is redelivered soon (``retry_delay``), not after the
acknowledgement wait, because a vanished Workshop's record waits for it.
"""

from __future__ import annotations

import logging

import asyncpg
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from faststream.nats.security import NatsUserPassword
from pydantic import ValidationError

from orchestra_shared import subjects
from orchestra_shared.events import DeadLetter, TerminateRequested, parse_event
from orchestra_shared.retrying import POSTGRES_OUTAGES
from orchestra_shared.settings import nats_options
from orchestra_sync.config import SyncSettings
from orchestra_sync.remembering import SPEC, remember

log = logging.getLogger(__name__)


def build_broker(settings: SyncSettings, pool: asyncpg.Pool) -> NatsBroker:
    options = nats_options(settings)
    broker = NatsBroker(
        options["servers"],
        inbox_prefix=options["inbox_prefix"],
        security=NatsUserPassword(options["user"], options.get("password", ""))
        if "user" in options
        else None,
        max_reconnect_attempts=-1,
        logger=logging.getLogger("faststream"),
    )

    @broker.subscriber(
        SPEC.subjects[0],
        stream=JStream(subjects.STREAM, declare=False),
        durable=SPEC.durable,
        pull_sub=PullSub(batch_size=settings.terminations_batch, timeout=1.0),
        config=ConsumerConfig(ack_wait=settings.terminations_ack_wait),
        ack_policy=AckPolicy.MANUAL,
        inbox_prefix=f"{options['inbox_prefix']}.".encode(),  # replies only to our own inbox
    )
    async def on_terminate_requested(message: NatsMessage) -> None:
        try:
            event = parse_event(message.body)
        except ValidationError as error:
            letter = DeadLetter(
                consumer=SPEC.durable,
                subject=message.raw_message.subject,
                reason=f"not a valid event: {error}"[:2000],
                payload=message.body.decode(errors="replace"),
            )
            await broker.publish(
                letter.model_dump_json().encode(),
                subjects.dead_letter_subject(SPEC.durable),
                stream=subjects.STREAM,
            )
            await message.ack()
            return
        if isinstance(event, TerminateRequested):
            try:
                await remember(pool, event)
            except POSTGRES_OUTAGES as error:
                log.warning(
                    "remembering a terminate failed; retrying", extra={"error": repr(error)}
                )
                await message.nack(delay=settings.backoff_max)
                return
        await message.ack()

    return broker
