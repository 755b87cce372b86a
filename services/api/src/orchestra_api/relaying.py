"""The outbox relay: publish committed events from Postgres to JetStream.

Runs inside the api process. Each round claims a batch of unpublished rows
(``FOR UPDATE SKIP LOCKED``, so several api replicas share the work without
double-publishing), publishes them with the event id as ``Nats-Msg-Id`` (so a
publish retried after a crash is dropped by JetStream's duplicate window) and
marks them sent in the same transaction. A NOTIFY from the launch transaction
wakes it at once; a poll interval covers missed notifications. While NATS is
unreachable rows simply wait: nothing is lost.
"""

import asyncio
import json
import logging
from contextlib import suppress
from datetime import UTC, datetime

import asyncpg
import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from opentelemetry import trace
from opentelemetry.instrumentation.utils import suppress_instrumentation

from orchestra_shared.settings import NatsOptions
from orchestra_shared.streaming import ensure_stream
from orchestra_shared.telemetry import extract_context, inject_context

log = logging.getLogger(__name__)


def payload_attributes(payload: str) -> dict[str, str]:
    """The workshop (and template, for a launch) named in an outbox event, as span attributes."""
    event = json.loads(payload)
    attributes = {"orchestra.workshop.name": str(event.get("instance", ""))}
    if "template_slug" in event:
        attributes["orchestra.template.slug"] = str(event["template_slug"])
    return attributes


async def publish_pending(pool: asyncpg.Pool, js: JetStreamContext, *, batch_size: int) -> int:
    """Publish one batch; returns how many rows were published."""
    async with pool.acquire() as connection, connection.transaction():
        rows = await connection.fetch(
            """SELECT id, event_id, subject, payload, headers FROM outbox
               WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED""",
            batch_size,
        )
        published: list[int] = []
        for row in rows:
            stored = json.loads(row["headers"])
            try:
                with trace.get_tracer("orchestra.api").start_as_current_span(
                    f"{row['subject']} publish",
                    context=extract_context(stored),
                    kind=trace.SpanKind.PRODUCER,
                    attributes={
                        "messaging.system": "nats",
                        "messaging.destination.name": row["subject"],
                        "messaging.operation.type": "publish",
                        "messaging.message.id": str(row["event_id"]),
                        **payload_attributes(row["payload"]),
                    },
                ):
                    # The consumer's span becomes a child of this publish.
                    headers = inject_context({**stored, "Nats-Msg-Id": str(row["event_id"])})
                    await js.publish(row["subject"], row["payload"].encode(), headers=headers)
            except Exception as error:
                await connection.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1",
                    row["id"],
                    str(error)[:500],
                )
                log.warning("outbox publish failed; will retry", extra={"error": str(error)})
                break
            published.append(row["id"])
        if published:
            await connection.execute(
                "UPDATE outbox SET published_at = $2, attempts = attempts + 1 WHERE id = ANY($1)",
                published,
                datetime.now(UTC),
            )
        return len(published)


async def pending_count(pool: asyncpg.Pool) -> int:
    count = await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    return int(count)


async def _connect(options: NatsOptions) -> Client:
    return await nats.connect(
        **options,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        allow_reconnect=True,
    )


async def relay_forever(
    pool: asyncpg.Pool,
    *,
    nats_options: NatsOptions,
    poll_interval: float,
    batch_size: int,
    stopping: asyncio.Event | None = None,
) -> None:
    """Run until cancelled or ``stopping`` is set; survives NATS and Postgres outages.

    ``stopping`` exists because nats-py can swallow a cancellation that arrives while
    it connects; the loop checks it every round so shutdown never hangs.
    """
    stopping = stopping or asyncio.Event()
    wake = asyncio.Event()

    def on_notify(*_: object) -> None:
        wake.set()

    listener: asyncpg.Connection | None = None
    client: Client | None = None
    # The relay's polling queries belong to no request: without suppression each
    # round would be a trace of its own. Its publish spans continue stored traces.
    with suppress_instrumentation():
        try:
            while not stopping.is_set():
                try:
                    if client is None or client.is_closed:
                        client = await _connect(nats_options)
                        js = client.jetstream()
                        await ensure_stream(js)
                    if listener is None or listener.is_closed():
                        listener = await pool.acquire()
                        await listener.add_listener("outbox", on_notify)
                    while await publish_pending(pool, js, batch_size=batch_size) == batch_size:
                        pass
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    # Outages (NATS, Postgres, a connection lost mid-round) and bugs alike:
                    # this task is the only way launches leave the outbox, so it must not die.
                    log.warning(
                        "outbox relay cannot make progress yet", extra={"error": repr(error)}
                    )
                    if client is not None and not client.is_connected:
                        with suppress(Exception):
                            await client.close()
                        client = None
                    if listener is not None and listener.is_closed():
                        listener = None
                with suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=poll_interval)
                wake.clear()
        finally:
            if listener is not None:
                with suppress(Exception):
                    await listener.remove_listener("outbox", on_notify)
                with suppress(Exception):
                    await pool.release(listener)
            if client is not None:
                with suppress(Exception):
                    await client.close()
