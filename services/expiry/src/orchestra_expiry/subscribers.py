"""Expiry's NATS entry: learn deadlines from commands, forget them when a workshop ends.

Two durable pull consumers: the commands stream (launch → schedule, extend →
move the deadline forward, terminate → cancel) and status changes
(``Terminated`` → cancel). Unparseable messages go to the dead-letter subject.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import asyncpg
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from pydantic import ValidationError

from orchestra_expiry import schedules
from orchestra_shared import subjects
from orchestra_shared.events import (
    AnyEvent,
    DeadLetter,
    ExtendRequested,
    LaunchRequested,
    StatusChanged,
    TerminateRequested,
    parse_event,
)

log = logging.getLogger(__name__)


async def apply(pool: asyncpg.Pool, event: AnyEvent) -> None:
    if isinstance(event, LaunchRequested):
        await schedules.upsert(
            pool,
            instance=event.instance,
            owner=event.owner,
            expires_at=event.expires_at,
            revision=0,
        )
    elif isinstance(event, ExtendRequested):
        await schedules.upsert(
            pool,
            instance=event.instance,
            owner=event.owner,
            expires_at=event.expires_at,
            revision=event.extension,
        )
    elif (isinstance(event, TerminateRequested) and event.reason != "expired") or (
        isinstance(event, StatusChanged) and event.phase == "Terminated"
    ):
        await schedules.cancel(pool, event.instance)


def build_broker(nats_url: str, pool: asyncpg.Pool) -> NatsBroker:
    broker = NatsBroker(
        nats_url.split(","), max_reconnect_attempts=-1, logger=logging.getLogger("faststream")
    )

    async def consume(message: NatsMessage, consumer: str) -> None:
        try:
            event = parse_event(message.body)
        except ValidationError as error:
            letter = DeadLetter(
                consumer=consumer,
                subject=message.raw_message.subject,
                reason=f"not a valid event: {error}"[:2000],
                payload=message.body.decode(errors="replace"),
            )
            await broker.publish(
                letter.model_dump_json().encode(),
                subjects.dead_letter_subject(consumer),
                stream=subjects.STREAM,
            )
            await message.ack()
            return
        try:
            await apply(pool, event)
        except (asyncpg.PostgresError, OSError) as error:
            log.warning("schedule update failed; will retry", extra={"error": repr(error)})
            await message.nack(delay=1.0)
            return
        await message.ack()

    def handler_for(consumer: str) -> Callable[[NatsMessage], Awaitable[None]]:
        async def on_message(message: NatsMessage) -> None:
            await consume(message, consumer)

        return on_message

    for spec in (subjects.EXPIRY_COMMANDS, subjects.EXPIRY_STATUS):
        broker.subscriber(
            spec.subjects[0],
            stream=JStream(subjects.STREAM, declare=False),
            durable=spec.durable,
            pull_sub=PullSub(batch_size=50, timeout=1.0),
            ack_policy=AckPolicy.MANUAL,
        )(handler_for(spec.durable))

    return broker
