"""Expiry's NATS entry: learn deadlines from commands, forget them when a workshop ends.

Three durable pull consumers: the commands stream (launch → schedule the deadline,
the startup deadline and the idle rule, extend → move the deadline, claim of a warm
instance → the learner's deadline and idle rule), status
changes (Ready or Failed → the launch is not stuck, Ready → the idle clock starts,
``Terminated`` → cancel) and activity (the gate's batched reports and the
learner's "Keep my session" → the idle clock restarts; docs/src/content/docs/decisions/0060). They may
deliver out of order; ``schedules`` makes that harmless.

A terminate request does not cancel the deadline: only the Workshop seen gone
(``Terminated``) does. A learner's terminate that the operator could not carry
out (dead-lettered, lost) then still meets the deadline, which asks again.
Unparseable messages go to the dead-letter subject; a failed database write is
retried by redelivery, never dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import asyncpg
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from faststream.nats.security import NatsUserPassword
from nats.errors import NotJSMessageError
from opentelemetry import trace
from pydantic import ValidationError

from orchestra_expiry import metering, schedules
from orchestra_shared import subjects
from orchestra_shared.activities import ActivityReport, parse_report
from orchestra_shared.events import (
    ActivityKept,
    AnyEvent,
    ClaimRequested,
    DeadLetter,
    ExtendRequested,
    LaunchRequested,
    StatusChanged,
    WorkspaceDeleteRequested,
    parse_event,
)
from orchestra_shared.retrying import POSTGRES_OUTAGES
from orchestra_shared.settings import NatsOptions
from orchestra_shared.telemetry import extract_context, inject_context

log = logging.getLogger(__name__)


# Phases after which a launch cannot be stuck any more: it started, the operator
# failed it (and will delete it, with the cluster's reason), or it is going away.
SETTLED_PHASES = frozenset({"Ready", "Failed", "Terminating", "Terminated"})


async def apply(
    pool: asyncpg.Pool, event: AnyEvent | ActivityReport, *, trace_context: str | None = None
) -> None:
    """Carry one event into the schedule; idempotent and independent of arrival order.

    ``trace_context`` (the launch's traceparent) is kept with the deadline so the
    termination fired hours later joins the launch's trace.
    """
    refusal = None
    if isinstance(event, ActivityReport):
        moved = await schedules.record_activity(
            pool, {seen.instance: seen.last_active_at for seen in event.instances}
        )
        metering.ACTIVITY.labels("report").inc(moved)
        return
    if isinstance(event, ActivityKept):
        await schedules.record_activity(pool, {event.instance: event.occurred_at})
        metering.ACTIVITY.labels("kept").inc()
        return
    if isinstance(event, LaunchRequested):
        refusal = await schedules.record_deadline(
            pool,
            instance=event.instance,
            owner=event.owner,
            expires_at=event.expires_at,
            revision=0,
            startup_deadline=event.occurred_at + timedelta(seconds=event.startup_timeout_seconds),
            trace_context=trace_context,
            idle_timeout_seconds=event.idle_timeout_seconds,
            idle_warning_seconds=event.idle_warning_seconds,
        )
    elif isinstance(event, ClaimRequested):
        await schedules.record_claim(
            pool,
            instance=event.instance,
            owner=event.owner,
            expires_at=event.expires_at,
            claimed_at=event.occurred_at,
            idle_timeout_seconds=event.idle_timeout_seconds,
            idle_warning_seconds=event.idle_warning_seconds,
        )
    elif isinstance(event, ExtendRequested):
        refusal = await schedules.record_deadline(
            pool,
            instance=event.instance,
            owner=event.owner,
            expires_at=event.expires_at,
            revision=event.extension,
        )
    elif isinstance(event, StatusChanged):
        if event.phase in SETTLED_PHASES:
            await schedules.settle_startup(
                pool, instance=event.instance, owner=event.owner, at=event.transitioned_at
            )
        if event.phase == "Ready":
            await schedules.start_idle_clock(
                pool, instance=event.instance, owner=event.owner, at=event.transitioned_at
            )
        if event.phase == "Terminated":
            await schedules.cancel(pool, instance=event.instance, owner=event.owner)
    if refusal is not None and not isinstance(event, LaunchRequested):
        metering.EXTENSIONS_REFUSED.inc()
        # A redelivered launch is routine; a refused extension means the learner was
        # told of a deadline that will not hold (ADR 0030), so it is worth a warning.
        log.warning(
            "extension refused",
            extra={"workshop": event.instance, "reason": str(refusal), "event": event.type},
        )


def _delivery_count(message: NatsMessage) -> int:
    try:
        return int(message.raw_message.metadata.num_delivered)
    except (NotJSMessageError, AttributeError, ValueError, TypeError):
        return 1  # not from JetStream (an in-memory test broker): first delivery


def build_broker(options: NatsOptions, pool: asyncpg.Pool) -> NatsBroker:
    broker = NatsBroker(
        options["servers"],
        inbox_prefix=options["inbox_prefix"],
        security=NatsUserPassword(options["user"], options.get("password", ""))
        if "user" in options
        else None,
        max_reconnect_attempts=-1,
        logger=logging.getLogger("faststream"),
    )

    async def consume(message: NatsMessage, consumer: str) -> None:
        subject = message.raw_message.subject
        headers = {k: v for k, v in (message.headers or {}).items() if isinstance(v, str)}
        if _delivery_count(message) > 1:
            metering.REDELIVERIES.labels(consumer).inc()
        with trace.get_tracer("orchestra.expiry").start_as_current_span(
            f"{subject} process",
            context=extract_context(headers),
            kind=trace.SpanKind.CONSUMER,
            attributes={
                "messaging.system": "nats",
                "messaging.destination.name": subject,
                "messaging.operation.type": "process",
                "messaging.consumer.group.name": consumer,
            },
        ):
            await _consume(message, consumer)

    async def _consume(message: NatsMessage, consumer: str) -> None:
        event: AnyEvent | ActivityReport | None
        try:
            if message.raw_message.subject == subjects.WORKSPACE_DELETE_REQUESTED:
                # The one command without an instance: nothing to schedule, but a malformed
                # one is dead-lettered with its reason like any other.
                WorkspaceDeleteRequested.model_validate_json(message.body)
                event = None
            elif message.raw_message.subject == subjects.ACTIVITY_REPORTED:
                event = parse_report(message.body)
            else:
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
            metering.DEAD_LETTERS.labels(consumer).inc()
            await message.ack()
            return
        if event is None:
            await message.ack()
            return
        try:
            await apply(pool, event, trace_context=inject_context().get("traceparent"))
        except POSTGRES_OUTAGES as error:
            log.warning("schedule update failed; will retry", extra={"error": repr(error)})
            await message.nack(delay=1.0)
            return
        await message.ack()

    def handler_for(consumer: str) -> Callable[[NatsMessage], Awaitable[None]]:
        async def on_message(message: NatsMessage) -> None:
            await consume(message, consumer)

        return on_message

    for spec in (subjects.EXPIRY_COMMANDS, subjects.EXPIRY_STATUS, subjects.EXPIRY_ACTIVITY):
        broker.subscriber(
            spec.subjects[0],
            stream=JStream(subjects.STREAM, declare=False),
            durable=spec.durable,
            pull_sub=PullSub(batch_size=50, timeout=1.0),
            ack_policy=AckPolicy.MANUAL,
            inbox_prefix=f"{options['inbox_prefix']}.".encode(),  # replies to our inbox only
        )(handler_for(spec.durable))

    return broker
