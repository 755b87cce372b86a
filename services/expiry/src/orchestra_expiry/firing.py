"""Firing deadlines, stuck launches and warnings from the durable schedule.

Each scan claims what is due (locked, so a second replica skips it), lets
``scheduling.decide`` say what to do, publishes a ``terminate requested``
(reason ``expired``, ``startup-timeout`` or ``idle``), an ``expiring`` warning or
an ``idle warning`` (docs/src/content/docs/decisions/0060) with a
message id derived from the instance, the revision and the lead time, and
marks the rows in the same transaction. A crash or an outage between publish
and commit rolls the marks back; the next scan republishes the same message
ids, which JetStream drops as duplicates. So a deadline is never lost, only
delayed, and deadlines that passed while the service was down are simply due
at the first scan after start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import asyncpg
from nats.js import JetStreamContext
from opentelemetry import trace

from orchestra_expiry import metering
from orchestra_expiry.config import ExpirySettings
from orchestra_expiry.schedules import claim_due, mark_fired, mark_idle_warned, mark_warned
from orchestra_expiry.scheduling import Entry, IdleWarn, Terminate, Warn, decide
from orchestra_shared import subjects
from orchestra_shared.events import (
    Event,
    Expiring,
    IdleWarning,
    TerminateRequested,
    encode_event,
)
from orchestra_shared.retrying import Backoff, raise_if_cancelled
from orchestra_shared.telemetry import extract_context, inject_context

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


Action = Terminate | Warn | IdleWarn


def _message(entry: Entry, action: Action, now: datetime) -> tuple[str, Event]:
    if isinstance(action, Terminate):
        return subjects.TERMINATE_REQUESTED, TerminateRequested(
            instance=entry.instance, owner=entry.owner, reason=action.reason, occurred_at=now
        )
    if isinstance(action, IdleWarn):
        return subjects.IDLE_WARNING, IdleWarning(
            instance=entry.instance,
            owner=entry.owner,
            idle_since=action.idle_since,
            ends_at=action.ends_at,
            occurred_at=now,
        )
    assert entry.expires_at is not None  # decide() warns only about a known deadline
    return subjects.EXPIRING, Expiring(
        instance=entry.instance,
        owner=entry.owner,
        expires_at=entry.expires_at,
        lead_seconds=action.lead,
        occurred_at=now,
    )


async def fire_due(
    pool: asyncpg.Pool,
    js: JetStreamContext,
    *,
    leads: list[int],
    limit: int,
    startup_grace: timedelta = timedelta(0),
    clock: Clock = _utcnow,
) -> int:
    """One scan; returns how many rows it acted on (``limit`` means: scan again at once)."""
    now = clock()
    async with pool.acquire() as connection, connection.transaction():
        entries = await claim_due(
            connection, now=now, leads=leads, startup_grace=startup_grace, limit=limit
        )
        decided = [
            (entry, action)
            for entry in entries
            if (action := decide(entry, now, leads=leads, startup_grace=startup_grace))
        ]

        async def publish(entry: Entry, action: Action) -> None:
            subject, event = _message(entry, action, now)
            # The launch's trace continues through the termination expiry requests.
            parent = extract_context(
                {"traceparent": entry.trace_context} if entry.trace_context else {}
            )
            with trace.get_tracer("orchestra.expiry").start_as_current_span(
                f"{subject} publish",
                context=parent,
                kind=trace.SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "nats",
                    "messaging.destination.name": subject,
                    "messaging.operation.type": "publish",
                    "messaging.message.id": action.message_id,
                    "orchestra.workshop.name": entry.instance,
                },
            ):
                headers = inject_context({"Nats-Msg-Id": action.message_id})
                await js.publish(subject, encode_event(event), headers=headers)

        # Concurrently: a class's deadlines all fall in the same second, and one
        # publish round trip each in sequence would add up to the lateness.
        await asyncio.gather(*(publish(entry, action) for entry, action in decided))
        for entry, action in decided:
            if isinstance(action, Terminate):
                await mark_fired(connection, entry.instance, now, action.reason)
                metering.FIRED.labels(action.reason).inc()
                lateness = _lateness(entry, action, now)
                if lateness is not None:
                    metering.LATENESS_SECONDS.labels(action.reason).observe(max(lateness, 0.0))
                log.info(
                    "deadline fired",
                    extra={
                        "workshop": entry.instance,
                        "reason": action.reason,
                        "lateness_s": _lateness(entry, action, now),
                    },
                )
            elif isinstance(action, IdleWarn):
                await mark_idle_warned(connection, entry.instance, action.idle_since)
                metering.WARNINGS.labels("idle").inc()
                log.info("idle warning sent", extra={"workshop": entry.instance})
            else:
                await mark_warned(connection, entry.instance, list(action.covered))
                metering.WARNINGS.labels(str(action.lead)).inc()
    return len(decided)


def _lateness(entry: Entry, action: Terminate, now: datetime) -> float | None:
    moment = {
        "expired": entry.expires_at,
        "startup-timeout": entry.startup_deadline,
        "idle": entry.idle_ends_at,
    }[action.reason]
    return None if moment is None else (now - moment).total_seconds()


async def fire_forever(
    pool: asyncpg.Pool,
    js: JetStreamContext,
    *,
    leads: list[int],
    limit: int,
    tick: float,
    startup_grace: timedelta = timedelta(0),
    retry_delay: float = 1.0,
    clock: Clock = _utcnow,
) -> None:
    """Scan every ``tick`` seconds (at once again while batches come back full), forever.

    Whatever a scan raises (Postgres or NATS down, a connection lost mid-way) is
    logged and retried after ``retry_delay``: this loop is the only thing that
    fires deadlines, so it must not die.
    """
    backoff = Backoff(retry_delay, max(retry_delay, 30.0))
    while True:
        raise_if_cancelled()
        try:
            while (
                await fire_due(
                    pool, js, leads=leads, limit=limit, startup_grace=startup_grace, clock=clock
                )
                == limit
            ):
                pass
        except asyncio.CancelledError:
            raise
        except Exception as error:  # any failure: see the docstring
            log.warning("expiry scan failed; retrying", extra={"error": repr(error)})
            await backoff.wait()
            continue
        backoff.reset()
        await asyncio.sleep(tick)


async def fire_as_configured(
    pool: asyncpg.Pool, js: JetStreamContext, settings: ExpirySettings
) -> None:
    """``fire_forever`` with the service's settings (the service and the benchmark run this)."""
    await fire_forever(
        pool,
        js,
        leads=settings.warning_leads,
        limit=settings.batch_size,
        tick=settings.tick,
        startup_grace=timedelta(seconds=settings.startup_grace),
        retry_delay=settings.retry_delay,
    )
