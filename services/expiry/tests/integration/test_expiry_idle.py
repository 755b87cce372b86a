"""The idle rule against real Postgres and NATS with a fake clock (docs/src/content/docs/decisions/0060).

A template with ``idle: {timeout: 30m, warning: 5m}``: the learner is warned 25
minutes after the last activity, the session ends with reason ``idle`` at 30,
and activity (the gate's batched report, the learner's "Keep my session")
restarts the clock. Each test moves the clock to the moments that matter, runs
one scan and reads back what reached the stream.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
from nats.js import JetStreamContext
from services.expiry.tests.integration.clocks import LAUNCHED, FakeClock
from services.expiry.tests.integration.samples import OWNER, launch, status
from services.expiry.tests.integration.streams import published

from orchestra_expiry import schedules
from orchestra_expiry.firing import fire_due
from orchestra_expiry.subscribers import apply
from orchestra_shared import subjects
from orchestra_shared.activities import ActivityReport, InstanceActivity
from orchestra_shared.events import ActivityKept, IdleWarning, TerminateRequested

LEADS = [900, 300]
TIMEOUT, WARNING = 30 * 60, 5 * 60
READY = LAUNCHED + timedelta(minutes=1)


def minutes(after: datetime, count: float) -> datetime:
    return after + timedelta(minutes=count)


async def scan(pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock) -> int:
    return await fire_due(pool, js, leads=LEADS, limit=200, clock=clock)


async def idle_warnings(js: JetStreamContext) -> list[IdleWarning]:
    return [e for e in await published(js, subjects.IDLE_WARNING) if isinstance(e, IdleWarning)]


async def terminations(js: JetStreamContext) -> list[TerminateRequested]:
    events = await published(js, subjects.TERMINATE_REQUESTED)
    return [event for event in events if isinstance(event, TerminateRequested)]


async def ready_with_idle_rule(pool: asyncpg.Pool, name: str = "ws-idle") -> None:
    await apply(pool, launch(name, idle=(TIMEOUT, WARNING)))
    await apply(pool, status(name, "Ready", at=READY))


def report(*seen: tuple[str, datetime], ended: datetime) -> ActivityReport:
    return ActivityReport(
        reporter="gate-a",
        window_started_at=ended - timedelta(minutes=1),
        window_ended_at=ended,
        floor=3,
        instances=tuple(
            InstanceActivity(instance=name, last_active_at=at, events=5) for name, at in seen
        ),
    )


async def test_an_idle_session_is_warned_then_ended_with_reason_idle(
    pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
) -> None:
    await ready_with_idle_rule(pool)
    clock.set(minutes(READY, 25) - timedelta(milliseconds=1))
    await scan(pool, js, clock)
    assert await idle_warnings(js) == []

    clock.set(minutes(READY, 25))
    assert await scan(pool, js, clock) == 1
    [warning] = await idle_warnings(js)
    assert (warning.instance, warning.owner) == ("ws-idle", OWNER)
    assert (warning.idle_since, warning.ends_at) == (READY, minutes(READY, 30))
    clock.advance(60)
    assert await scan(pool, js, clock) == 0  # one warning per idle period
    assert await terminations(js) == []

    clock.set(minutes(READY, 30))
    assert await scan(pool, js, clock) == 1
    [ended] = await terminations(js)
    assert (ended.instance, ended.reason) == ("ws-idle", "idle")
    clock.advance(600)
    assert await scan(pool, js, clock) == 0
    entry = await schedules.get(pool, "ws-idle")
    assert entry is not None
    assert entry.fired_at == minutes(READY, 30)


async def test_the_learners_click_keeps_the_session_and_a_new_idle_period_starts(
    pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
) -> None:
    await ready_with_idle_rule(pool)
    clock.set(minutes(READY, 25))
    await scan(pool, js, clock)
    kept_at = minutes(READY, 26)
    await apply(
        pool, ActivityKept(instance="ws-idle", owner=OWNER, occurred_at=kept_at, requested_by=OWNER)
    )

    clock.set(minutes(READY, 30))
    await scan(pool, js, clock)
    assert await terminations(js) == []  # kept

    clock.set(minutes(kept_at, 25))
    await scan(pool, js, clock)
    warnings = await idle_warnings(js)
    assert [w.idle_since for w in warnings] == [READY, kept_at]  # warned again, afresh
    clock.set(minutes(kept_at, 30))
    await scan(pool, js, clock)
    assert [t.reason for t in await terminations(js)] == ["idle"]


async def test_activity_through_the_gate_resets_the_clock_and_never_moves_it_back(
    pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
) -> None:
    await ready_with_idle_rule(pool)
    worked = minutes(READY, 20)
    await apply(pool, report(("ws-idle", worked), ("unknown-ws", worked), ended=worked))
    # A late report from another gate replica, about an earlier moment, changes nothing.
    await apply(pool, report(("ws-idle", minutes(READY, 5)), ended=minutes(READY, 6)))

    clock.set(minutes(READY, 25))
    await scan(pool, js, clock)
    assert await idle_warnings(js) == []
    clock.set(minutes(worked, 25))
    await scan(pool, js, clock)
    [warning] = await idle_warnings(js)
    assert warning.ends_at == minutes(worked, 30)
    assert await schedules.get(pool, "unknown-ws") is None  # activity creates no schedule


async def test_a_session_without_an_idle_rule_is_never_ended_for_idleness(
    pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
) -> None:
    await apply(pool, launch("ws-plain"))
    await apply(pool, status("ws-plain", "Ready", at=READY))
    clock.set(minutes(READY, 100))  # well past any idle timeout, before the deadline
    await scan(pool, js, clock)
    assert await idle_warnings(js) == []
    assert await terminations(js) == []


async def test_the_idle_clock_waits_for_ready(
    pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
) -> None:
    """A launch still pulling its image is not idle: the clock starts at Ready."""
    await apply(pool, launch("ws-slow", idle=(TIMEOUT, WARNING), startup_timeout=3600))
    clock.set(minutes(LAUNCHED, 40))
    await scan(pool, js, clock)
    assert await terminations(js) == []
    ready = minutes(LAUNCHED, 41)
    await apply(pool, status("ws-slow", "Ready", at=ready))
    clock.set(minutes(ready, 30))
    await scan(pool, js, clock)
    assert [(t.instance, t.reason) for t in await terminations(js)] == [("ws-slow", "idle")]
