"""The operator's NATS entry: one durable pull consumer for every command, in order.

Parses each message into an event, calls the activity for it and
acknowledges once the effect is in the Kubernetes API (a launch, a terminate, an
extension, an export, or the deletion of an unused workspace: ``reclaiming``). A message that cannot
be parsed (including a launch that carries an image or a spec: events refuse
unknown fields), that an activity refuses (``errors.CommandRefused``: a template
the operator's catalog does not have or has disabled, a name that is no DNS
label, a name another launch already holds), or that the API rejects as
invalid, goes to the dead-letter subject with the reason and is acknowledged,
so the consumer carries on. A temporary failure (API unreachable, 5xx,
conflict, ``errors.CommandDeferred``) is negatively acknowledged with a delay
and comes back. Only the leader consumes (``main``); each learner's commands are handled
in the order they came, different learners' concurrently (``dispatching.Lanes``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from faststream.nats.security import NatsUserPassword
from nats.errors import NotJSMessageError
from nats.js.api import ConsumerConfig
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from pydantic import ValidationError

from orchestra_operator import claiming, launching, metering, reclaiming, terminating, tracing
from orchestra_operator.cluster import ApiError, Cluster
from orchestra_operator.config import OperatorSettings
from orchestra_operator.dispatching import Lanes, lane_of
from orchestra_operator.errors import CommandDeferred, CommandRefused
from orchestra_operator.exporting import Exporter
from orchestra_operator.tombstones import Tombstones
from orchestra_shared import subjects
from orchestra_shared.catalogs import Catalog
from orchestra_shared.events import (
    ClaimRequested,
    DeadLetter,
    ExportRequested,
    ExtendRequested,
    LaunchRequested,
    TerminateRequested,
    WorkspaceDeleteRequested,
    parse_command,
)
from orchestra_shared.settings import nats_options
from orchestra_shared.telemetry import extract_context, inject_context

log = logging.getLogger(__name__)
CONSUMER = subjects.OPERATOR_COMMANDS
RETRY_DELAY = 2.0


async def dead_letter(broker: NatsBroker, message: NatsMessage, reason: str) -> None:
    letter = DeadLetter(
        consumer=CONSUMER.durable,
        subject=message.raw_message.subject,
        reason=reason[:2000],
        payload=message.body.decode(errors="replace"),
        headers={k: v for k, v in (message.headers or {}).items() if isinstance(v, str)},
    )
    await broker.publish(
        letter.model_dump_json().encode(),
        subjects.dead_letter_subject(CONSUMER.durable),
        stream=subjects.STREAM,
    )
    log.warning("command dead-lettered", extra={"reason": reason, "subject": letter.subject})


async def handle_command(
    data: bytes,
    *,
    cluster: Cluster,
    catalog: Catalog,
    settings: OperatorSettings,
    tombstones: Tombstones,
    traceparent: str | None,
    exporter: Exporter | None = None,
) -> None:
    try:
        event = parse_command(data)
    except ValidationError as error:
        raise CommandRefused(f"not a valid command: {error}") from error
    span = trace.get_current_span()
    if isinstance(event, WorkspaceDeleteRequested):
        span.set_attribute("orchestra.template.slug", event.template_slug)
        try:
            await reclaiming.delete_workspace(event, cluster=cluster, settings=settings)
        except ApiError as error:
            if error.status in (400, 403, 422):
                raise CommandRefused(f"the Kubernetes API refused it: {error}") from error
            raise
        return
    span.set_attribute("orchestra.workshop.name", event.instance)
    if isinstance(event, LaunchRequested):
        span.set_attribute("orchestra.template.slug", event.template_slug)
    try:
        if isinstance(event, LaunchRequested):
            await launching.launch(
                event,
                cluster=cluster,
                catalog=catalog,
                settings=settings,
                tombstones=tombstones,
                traceparent=traceparent,
            )
        elif isinstance(event, ClaimRequested):
            await claiming.claim(event, cluster=cluster, settings=settings)
        elif isinstance(event, TerminateRequested):
            await terminating.terminate(
                event, cluster=cluster, settings=settings, tombstones=tombstones, exporter=exporter
            )
        elif isinstance(event, ExportRequested):
            await terminating.export(event, cluster=cluster, settings=settings, exporter=exporter)
        elif isinstance(event, ExtendRequested):
            await terminating.extend(event, cluster=cluster, catalog=catalog, settings=settings)
        else:
            raise CommandRefused(f"{event.type} is not a command for the operator")
    except ApiError as error:
        if error.status in (400, 403, 422):
            raise CommandRefused(f"the Kubernetes API refused it: {error}") from error
        raise


def _delivery_count(message: NatsMessage) -> int:
    try:
        return int(message.raw_message.metadata.num_delivered)
    except (NotJSMessageError, AttributeError, ValueError, TypeError):
        return 1  # not from JetStream (an in-memory test broker): first delivery


async def _working(message: NatsMessage, every: float) -> None:
    """Tell JetStream a command is still being worked on (an export takes a while), so
    it is not redelivered to another replica meanwhile."""
    while True:
        await asyncio.sleep(every)
        with contextlib.suppress(Exception):
            await message.in_progress()


def build_broker(
    settings: OperatorSettings,
    cluster: Cluster,
    catalog: Catalog,
    tombstones: Tombstones,
    exporter: Exporter | None = None,
    lanes: Lanes | None = None,
) -> NatsBroker:
    """The broker with the command consumer; its commands run in ``lanes`` (one of
    ``settings.commands_concurrency`` places unless given), which the caller closes
    before stopping the broker."""
    options = nats_options(settings)
    lanes = lanes if lanes is not None else Lanes(settings.commands_concurrency)
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
        subjects.COMMANDS,
        stream=JStream(subjects.STREAM, declare=False),
        durable=CONSUMER.durable,
        pull_sub=PullSub(batch_size=settings.commands_batch, timeout=1.0),
        config=ConsumerConfig(ack_wait=settings.commands_ack_wait),
        ack_policy=AckPolicy.MANUAL,
        inbox_prefix=f"{options['inbox_prefix']}.".encode(),  # replies only to our own inbox
    )
    async def on_command(message: NatsMessage) -> None:
        if not await lanes.submit(lane_of(message.body), lambda: _process(message)):
            await message.nack(delay=RETRY_DELAY)  # closing: for the next leader

    async def _process(message: NatsMessage) -> None:
        subject = message.raw_message.subject
        kind = subject.rsplit(".", 1)[-1]
        headers = {k: v for k, v in (message.headers or {}).items() if isinstance(v, str)}
        if _delivery_count(message) > 1:
            metering.REDELIVERIES.inc()
        with tracing.tracer().start_as_current_span(
            f"{subject} process",
            context=extract_context(headers),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "nats",
                "messaging.destination.name": subject,
                "messaging.operation.type": "process",
                "messaging.message.id": headers.get("Nats-Msg-Id", ""),
                "messaging.consumer.group.name": CONSUMER.durable,
            },
        ):
            working = asyncio.create_task(_working(message, settings.commands_ack_wait / 3))
            try:
                await handle_command(
                    message.body,
                    cluster=cluster,
                    catalog=catalog,
                    settings=settings,
                    tombstones=tombstones,
                    traceparent=inject_context().get("traceparent"),
                    exporter=exporter,
                )
            except CommandRefused as failure:
                metering.COMMANDS.labels(kind, "refused").inc()
                metering.DEAD_LETTERS.labels(CONSUMER.durable).inc()
                await dead_letter(broker, message, str(failure))
                await message.ack()
            except (ApiError, OSError, CommandDeferred) as error:
                metering.COMMANDS.labels(kind, "retried").inc()
                log.warning("command failed; will retry", extra={"error": str(error)})
                await message.nack(delay=RETRY_DELAY)
            except Exception as error:
                # A bug, not an outage: retried a few times, then parked with its reason,
                # so one poisonous command cannot hold the queue for ever.
                if _delivery_count(message) >= settings.commands_max_attempts:
                    metering.COMMANDS.labels(kind, "refused").inc()
                    metering.DEAD_LETTERS.labels(CONSUMER.durable).inc()
                    log.exception("command failed on every attempt; dead-lettered")
                    await dead_letter(broker, message, f"failed on every attempt: {error!r}")
                    await message.ack()
                else:
                    metering.COMMANDS.labels(kind, "retried").inc()
                    log.exception("unexpected failure handling a command; will retry")
                    await message.nack(delay=RETRY_DELAY)
            else:
                metering.COMMANDS.labels(kind, "done").inc()
                await message.ack()
            finally:
                working.cancel()

    return broker
