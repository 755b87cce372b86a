"""The outbox relay: publish events committed to a Postgres outbox table to JetStream, in order.

The api (``outbox``: launch, terminate and extend commands) and sync
(``sync_outbox``: ``status changed``) each write an event in the same
transaction as the fact it announces, and each runs this relay to carry the
rows to JetStream. One relay for both, so both get the same guarantees:

- **Order per instance, across replicas.** A round holds a transaction-scoped
  advisory lock for its table, so one replica publishes at a time, oldest row
  first. The commands of one instance are written under that instance's row
  lock, so id order is their commit order.
- **Once in the stream.** The event id is the ``Nats-Msg-Id``: a row published
  and then re-published after a crash (before it was marked) is dropped by
  JetStream's duplicate window.
- **A poison row does not block the rest.** An error that is not an outage
  (the server refused that message) sets the row aside with its reason and
  the relay goes on; an outage (no connection, timeouts) stops the round and
  the relay backs off with jitter, leaving the row at the head of the queue.
  Rows set aside stay in the table for an operator (``set_aside_at``,
  ``last_error``); a metric counts them.
- **Trace context carried.** Each publish is a producer span continuing the
  trace stored with the row, and its ``traceparent`` goes in the headers.
- **Pruned.** Published rows are deleted after ``retention`` seconds.

A NOTIFY on the table's channel (sent by the writing transaction, delivered at
commit, to every replica) or ``wake`` starts a round at once; otherwise the
relay polls every ``poll_interval`` seconds. A poll first asks, in one query
without a transaction, whether anything waits (``has_pending``): an idle
service's poll then costs one round trip instead of a locked round's four.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg
import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from opentelemetry import trace
from opentelemetry.instrumentation.utils import suppress_instrumentation

from orchestra_shared.retrying import POSTGRES_OUTAGES, Backoff, raise_if_cancelled
from orchestra_shared.settings import OutboxSettings
from orchestra_shared.streaming import ensure_stream
from orchestra_shared.telemetry import extract_context, inject_context

log = logging.getLogger(__name__)

# Errors that mean "NATS is not reachable now", not "this message is wrong".
OUTAGES: tuple[type[BaseException], ...] = (
    OSError,  # includes the builtin and nats' TimeoutError
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.ConnectionDrainingError,
    nats.errors.NoServersError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.StaleConnectionError,
    nats.errors.NoRespondersError,
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.ServiceUnavailableError,
)


@dataclass(frozen=True)
class Outbox:
    """One outbox table: its name (also its NOTIFY channel), its lock and who publishes it."""

    table: Literal["outbox", "sync_outbox"]
    lock_key: int
    service: str


# pg_advisory_xact_lock keys: the table names as numbers, so no other lock user collides.
API_OUTBOX = Outbox("outbox", 0x6F7574626F78, "api")
SYNC_OUTBOX = Outbox("sync_outbox", 0x73796E6372656C61, "sync")


@dataclass(frozen=True)
class RelaySettings:
    batch_size: int
    """Rows per round; a full batch starts the next round at once."""
    publish_timeout: float
    """Seconds one publish may wait for JetStream's acknowledgement."""
    poll_interval: float
    """Seconds between rounds when nothing wakes the relay."""
    retention: float
    """Seconds a published row is kept (for inspection) before it is pruned."""
    backoff_initial: float
    backoff_max: float
    prune_interval: float = 60.0

    @classmethod
    def of(cls, settings: OutboxSettings) -> RelaySettings:
        return cls(
            batch_size=settings.outbox_batch_size,
            publish_timeout=settings.outbox_publish_timeout,
            poll_interval=settings.outbox_poll_interval,
            retention=settings.outbox_retention,
            backoff_initial=settings.outbox_backoff_initial,
            backoff_max=settings.outbox_backoff_max,
        )


@dataclass(frozen=True)
class Round:
    published: int = 0
    set_aside: int = 0
    our_turn: bool = True


class Unavailable(Exception):
    """NATS failed mid-round; the rows before the failure were marked, the rest wait."""


def span_attributes(subject: str, event_id: str, payload: dict[str, Any]) -> dict[str, str]:
    attributes = {
        "messaging.system": "nats",
        "messaging.destination.name": subject,
        "messaging.operation.type": "publish",
        "messaging.message.id": event_id,
        "orchestra.workshop.name": str(payload.get("instance", "")),
    }
    if "template_slug" in payload:
        attributes["orchestra.template.slug"] = str(payload["template_slug"])
    return attributes


async def _publish(
    js: JetStreamContext, row: asyncpg.Record, outbox: Outbox, timeout: float
) -> None:
    stored = json.loads(row["headers"])
    payload = json.loads(row["payload"])
    event_id = str(row["event_id"])
    tracer = trace.get_tracer(f"orchestra.{outbox.service}")
    with tracer.start_as_current_span(
        f"{row['subject']} publish",
        context=extract_context(stored),
        kind=trace.SpanKind.PRODUCER,
        attributes=span_attributes(row["subject"], event_id, payload),
    ):
        # The consumer's span becomes a child of this publish.
        headers = inject_context({**stored, "Nats-Msg-Id": event_id})
        body = json.dumps(payload, separators=(",", ":")).encode()
        await js.publish(row["subject"], body, timeout=timeout, headers=headers)


async def relay_once(
    pool: asyncpg.Pool, js: JetStreamContext, outbox: Outbox, settings: RelaySettings
) -> Round:
    """Publish one batch in order; raises ``Unavailable`` when NATS fails mid-round."""
    failure: BaseException | None = None
    published: list[int] = []
    set_aside = 0
    async with pool.acquire() as connection, connection.transaction():
        if not await connection.fetchval("SELECT pg_try_advisory_xact_lock($1)", outbox.lock_key):
            return Round(our_turn=False)
        rows = await connection.fetch(
            f"""SELECT id, event_id, subject, payload, headers FROM {outbox.table}
                WHERE published_at IS NULL AND set_aside_at IS NULL
                ORDER BY id LIMIT $1""",
            settings.batch_size,
        )
        for row in rows:
            try:
                await _publish(js, row, outbox, settings.publish_timeout)
            except OUTAGES as error:
                failure = error
                await connection.execute(
                    f"UPDATE {outbox.table} SET attempts = attempts + 1, last_error = $2 "
                    "WHERE id = $1",
                    row["id"],
                    repr(error)[:500],
                )
                break
            except Exception as error:  # the message itself is wrong: set it aside
                set_aside += 1
                log.error(
                    "outbox row set aside",
                    extra={"table": outbox.table, "row": row["id"], "error": repr(error)},
                )
                await connection.execute(
                    f"UPDATE {outbox.table} SET attempts = attempts + 1, last_error = $2, "
                    "set_aside_at = now() WHERE id = $1",
                    row["id"],
                    repr(error)[:500],
                )
                continue
            published.append(row["id"])
        if published:
            await connection.execute(
                f"UPDATE {outbox.table} SET published_at = now(), attempts = attempts + 1 "
                "WHERE id = ANY($1::bigint[])",
                published,
            )
    if failure is not None:
        raise Unavailable("publishing to JetStream failed") from failure
    return Round(published=len(published), set_aside=set_aside)


async def prune(pool: asyncpg.Pool, outbox: Outbox, retention: float) -> int:
    """Delete rows published more than ``retention`` seconds ago; returns how many."""
    status = await pool.execute(
        f"""DELETE FROM {outbox.table}
            WHERE published_at < now() - make_interval(secs => $1::double precision)""",
        retention,
    )
    return int(status.split()[-1])


async def has_pending(pool: asyncpg.Pool, outbox: Outbox) -> bool:
    """Whether a row waits to be published (the poll's question, answered from the index)."""
    pending: bool = await pool.fetchval(
        f"""SELECT EXISTS (SELECT 1 FROM {outbox.table}
                           WHERE published_at IS NULL AND set_aside_at IS NULL)"""
    )
    return pending


async def backlog(pool: asyncpg.Pool, outbox: Outbox) -> tuple[int, int]:
    """(rows waiting, rows set aside): what an operator watches and alerts on."""
    row = await pool.fetchrow(
        f"""SELECT count(*) FILTER (WHERE set_aside_at IS NULL) AS pending,
                   count(*) FILTER (WHERE set_aside_at IS NOT NULL) AS set_aside
            FROM {outbox.table} WHERE published_at IS NULL"""
    )
    assert row is not None
    return int(row["pending"]), int(row["set_aside"])


class Relay:
    """Runs ``relay_once`` whenever woken (NOTIFY or ``wake``) or every ``poll_interval``."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        outbox: Outbox,
        settings: RelaySettings,
        *,
        on_set_aside: Callable[[int], None] = lambda count: None,
    ) -> None:
        self.pool = pool
        self.outbox = outbox
        self.settings = settings
        self.on_set_aside = on_set_aside
        self._wake = asyncio.Event()
        self._listener: asyncpg.Connection | None = None

    def wake(self, *_: object) -> None:
        self._wake.set()

    def _listening(self) -> bool:
        if self._listener is None:
            return False
        try:
            return not self._listener.is_closed()
        except asyncpg.InterfaceError:
            return False  # the pool took it back when its connection was lost

    async def _listen(self) -> None:
        if not self._listening():
            await self._unlisten()
            listener = await self.pool.acquire()
            try:
                await listener.add_listener(self.outbox.table, self.wake)
            except BaseException:
                await self.pool.release(listener)
                raise
            # A lost connection (Postgres restarted, a network cut) takes its LISTEN with
            # it, silently: wake, so that the next round listens again on a new one
            # instead of sleeping through the notifications until the next poll.
            listener.add_termination_listener(self.wake)
            self._listener = listener

    async def _unlisten(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.remove_termination_listener(self.wake)
                await listener.remove_listener(self.outbox.table, self.wake)
            except Exception:
                # Cut off mid-operation (an outage): back in the pool it would fail the next
                # user with "another operation is in progress". The pool opens a new one.
                # (If the pool already took it back, there is nothing left to close.)
                with contextlib.suppress(Exception):
                    listener.terminate()
            with contextlib.suppress(Exception):
                await self.pool.release(listener)

    async def run(self, js: JetStreamContext) -> None:
        """Until cancelled; survives NATS and Postgres outages (this is the only way out)."""
        backoff = Backoff(self.settings.backoff_initial, self.settings.backoff_max)
        loop = asyncio.get_running_loop()
        pruned_at = float("-inf")
        # The relay's polling queries belong to no request: without suppression each
        # round would be a trace of its own. Its publish spans continue stored traces.
        with suppress_instrumentation():
            try:
                woken = True  # the first round looks, whatever is there
                while True:
                    raise_if_cancelled()
                    self._wake.clear()
                    try:
                        await self._listen()
                        while woken or await has_pending(self.pool, self.outbox):
                            done = await relay_once(self.pool, js, self.outbox, self.settings)
                            if done.set_aside:
                                self.on_set_aside(done.set_aside)
                            if done.published + done.set_aside < self.settings.batch_size:
                                break
                            woken = True  # a full batch: there may be more
                        if loop.time() - pruned_at > self.settings.prune_interval:
                            await prune(self.pool, self.outbox, self.settings.retention)
                            pruned_at = loop.time()
                        backoff.reset()
                    except (Unavailable, *POSTGRES_OUTAGES) as error:
                        log.warning(
                            "outbox relay cannot make progress yet; retrying",
                            extra={
                                "table": self.outbox.table,
                                "error": repr(error.__cause__ or error),
                            },
                        )
                        if not self._listening():
                            await self._unlisten()
                        if isinstance(error.__cause__, nats.js.errors.NoStreamResponseError):
                            # A NATS server that lost its store: declare the stream again.
                            with contextlib.suppress(Exception):
                                await ensure_stream(js)
                        await backoff.wait()
                        woken = True
                        continue
                    woken = False
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(
                            self._wake.wait(), timeout=self.settings.poll_interval
                        )
                        woken = True
            finally:
                await self._unlisten()
