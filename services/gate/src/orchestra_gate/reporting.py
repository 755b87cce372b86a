"""Reporting activity to the platform: one ``ActivityReport`` per window, over NATS.

At the end of every window (``activity_window``) the reporter closes the gate's
``Tally`` and publishes what was worked in as one message on
``orchestra.activity.reported``, with a message id that makes a retried publish a
JetStream duplicate. A window with nothing active publishes nothing. When NATS
cannot be reached (not yet, or not now) the window is kept and merged into the
next, so activity is late, never lost; the gate's own job, letting learners
into their workshops, never waits for NATS. Started by ``main``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import nats
from nats.aio.client import Client
from prometheus_client import Counter

from orchestra_gate.activities import Tally, Window
from orchestra_shared import subjects
from orchestra_shared.activities import ActivityReport, InstanceActivity
from orchestra_shared.retrying import Backoff
from orchestra_shared.settings import NatsOptions
from orchestra_shared.streaming import ensure_stream

log = logging.getLogger(__name__)

REPORTS = Counter(
    "orchestra_gate_activity_reports_total",
    "Activity reports of the gate, by outcome (published, kept for the next window).",
    ["outcome"],
)

Publish = Callable[[ActivityReport], Awaitable[None]]


def reporter_name() -> str:
    """This replica in reports: its pod name (the host name) and a nonce for this start."""
    return f"{socket.gethostname()}-{secrets.token_hex(3)}"


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def report_of(window: Window, *, reporter: str, floor: int) -> ActivityReport:
    return ActivityReport(
        reporter=reporter,
        window_started_at=_utc(window.started_at),
        window_ended_at=_utc(window.ended_at),
        floor=floor,
        instances=tuple(
            InstanceActivity(instance=name, last_active_at=_utc(seen.last), events=seen.events)
            for name, seen in sorted(window.active.items())
        ),
    )


async def report_window(tally: Tally, publish: Publish, *, reporter: str) -> bool:
    """Close the window and publish it; False (and the window kept) when that failed."""
    window = tally.close()
    if not window.active:
        return True
    try:
        await publish(report_of(window, reporter=reporter, floor=tally.floor))
    except (OSError, TimeoutError, nats.errors.Error) as error:
        tally.keep(window)
        REPORTS.labels("kept").inc()
        log.warning("activity report not published; kept", extra={"error": repr(error)})
        return False
    REPORTS.labels("published").inc()
    return True


class Bus:
    """The gate's NATS connection, made in the background and retried until it is there."""

    def __init__(self, options: NatsOptions, *, publish_timeout: float = 5.0) -> None:
        self.options = options
        self.publish_timeout = publish_timeout
        self.client: Client | None = None

    async def connect_forever(self, stop: asyncio.Event) -> None:
        backoff = Backoff(0.5, 10.0)
        while self.client is None and not stop.is_set():
            try:
                client = await nats.connect(
                    **self.options, allow_reconnect=True, max_reconnect_attempts=-1
                )
                await ensure_stream(client.jetstream())
            except (OSError, TimeoutError, nats.errors.Error) as error:
                log.info("gate cannot reach NATS yet", extra={"error": repr(error)})
                await backoff.wait()
                continue
            self.client = client

    async def publish(self, report: ActivityReport) -> None:
        if self.client is None or not self.client.is_connected:
            raise nats.errors.ConnectionClosedError
        await self.client.jetstream().publish(
            subjects.ACTIVITY_REPORTED,
            report.model_dump_json().encode(),
            headers={"Nats-Msg-Id": report.message_id()},
            timeout=self.publish_timeout,
        )

    async def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.close()


async def report_forever(
    tally: Tally, publish: Publish, *, reporter: str, window: float, stop: asyncio.Event
) -> None:
    """Every ``window`` seconds until ``stop``; the last window is reported on the way out."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=window)
        await report_window(tally, publish, reporter=reporter)
