"""Extensions against real Postgres and NATS: revisions, races with the deadline, refusals.

What expiry refuses (ADR 0030): an extension for a deadline that already fired
or an instance that ended, and any decision older than (or as old as) the one
stored. A refused event is acknowledged and changes nothing.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import asyncpg
from nats.js import JetStreamContext
from services.expiry.tests.integration.clocks import LAUNCHED, FakeClock
from services.expiry.tests.integration.samples import EXPIRES, extend, launch, status, terminate
from services.expiry.tests.integration.streams import published

from orchestra_expiry import schedules
from orchestra_expiry.firing import fire_due
from orchestra_expiry.scheduling import Refusal
from orchestra_expiry.subscribers import apply
from orchestra_shared import subjects
from orchestra_shared.events import Expiring, TerminateRequested

LEADS = [900, 300]
HOUR = timedelta(hours=1)


async def scan(pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock) -> int:
    return await fire_due(
        pool, js, leads=LEADS, limit=200, startup_grace=timedelta(seconds=60), clock=clock
    )


async def terminations(js: JetStreamContext) -> list[TerminateRequested]:
    events = await published(js, subjects.TERMINATE_REQUESTED)
    return [event for event in events if isinstance(event, TerminateRequested)]


async def warned_leads(js: JetStreamContext) -> list[tuple[int, datetime]]:
    events = await published(js, subjects.EXPIRING)
    return [(e.lead_seconds, e.expires_at) for e in events if isinstance(e, Expiring)]


async def running(pool: asyncpg.Pool, instance: str) -> None:
    await apply(pool, launch(instance))
    await apply(pool, status(instance, "Ready", at=LAUNCHED + timedelta(seconds=20)))


async def test_an_extension_moves_the_deadline_and_rearms_both_warnings(
    pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
) -> None:
    await running(pool, "ws-1")
    for seconds_before in (900, 300):
        clock.set(EXPIRES - timedelta(seconds=seconds_before))
        await scan(pool, js, clock)
    await apply(pool, extend("ws-1", expires_at=EXPIRES + HOUR, extension=1))

    clock.set(EXPIRES)
    assert await scan(pool, js, clock) == 0
    for seconds_before in (900, 300):
        clock.set(EXPIRES + HOUR - timedelta(seconds=seconds_before))
        await scan(pool, js, clock)
    assert await warned_leads(js) == [
        (900, EXPIRES),
        (300, EXPIRES),
        (900, EXPIRES + HOUR),
        (300, EXPIRES + HOUR),
    ]
    assert await terminations(js) == []
    clock.set(EXPIRES + HOUR)
    assert await scan(pool, js, clock) == 1
    assert [event.reason for event in await terminations(js)] == ["expired"]


async def test_an_extension_handled_before_the_scan_wins_the_race(
    pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
) -> None:
    """The deadline has passed, but no scan claimed it yet: the newer decision stands."""
    await running(pool, "ws-1")
    clock.set(EXPIRES + timedelta(milliseconds=500))
    assert await apply_extension(pool, "ws-1", EXPIRES + HOUR, 1) is None
    assert await scan(pool, js, clock) == 0
    assert await terminations(js) == []


async def test_an_extension_arriving_while_the_deadline_fires_is_refused_after_it(
    pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
) -> None:
    """The scan holds the row's lock: the extension waits for it and finds the deadline fired."""
    await running(pool, "ws-1")
    clock.set(EXPIRES)
    async with pool.acquire() as connection, connection.transaction():
        [entry] = await schedules.claim_due(
            connection, now=clock(), leads=LEADS, startup_grace=timedelta(0), limit=10
        )
        extension = asyncio.create_task(apply_extension(pool, "ws-1", EXPIRES + HOUR, 1))
        await asyncio.sleep(0.3)
        assert not extension.done()  # blocked on the row the scan holds
        await schedules.mark_fired(connection, entry.instance, clock(), "expired")
    assert await extension == Refusal.FIRED
    stored = await schedules.get(pool, "ws-1")
    assert stored is not None
    assert (stored.expires_at, stored.revision) == (EXPIRES, 0)


async def test_an_extension_after_the_deadline_fired_is_refused(
    pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
) -> None:
    await running(pool, "ws-1")
    clock.set(EXPIRES)
    assert await scan(pool, js, clock) == 1
    await apply(pool, extend("ws-1", expires_at=EXPIRES + HOUR, extension=1))
    clock.set(EXPIRES + HOUR)
    assert await scan(pool, js, clock) == 0
    assert len(await terminations(js)) == 1
    stored = await schedules.get(pool, "ws-1")
    assert stored is not None
    assert (stored.expires_at, stored.revision) == (EXPIRES, 0)


async def test_an_extension_for_a_terminated_instance_is_refused(
    pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
) -> None:
    await running(pool, "ws-1")
    await apply(pool, status("ws-1", "Terminated"))  # seen gone
    assert await apply_extension(pool, "ws-1", EXPIRES + HOUR, 1) == Refusal.CANCELLED
    clock.set(EXPIRES + HOUR)
    assert await scan(pool, js, clock) == 0
    assert await terminations(js) == []


async def test_a_terminate_never_carried_out_still_meets_the_deadline(
    pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
) -> None:
    await running(pool, "ws-1")
    # The learner ends it; the operator never does (it dead-lettered the command, say).
    await apply(pool, terminate("ws-1", "user"))
    clock.set(EXPIRES)
    assert await scan(pool, js, clock) >= 1
    assert [(t.instance, t.reason) for t in await terminations(js)] == [("ws-1", "expired")]


async def test_an_older_decision_never_overwrites_a_newer_one(pool: asyncpg.Pool) -> None:
    await running(pool, "ws-1")
    assert await apply_extension(pool, "ws-1", EXPIRES + 2 * HOUR, 2) is None
    assert await apply_extension(pool, "ws-1", EXPIRES + HOUR, 1) == Refusal.STALE
    assert await apply_extension(pool, "ws-1", EXPIRES + 3 * HOUR, 2) == Refusal.STALE
    await apply(pool, launch("ws-1"))  # a redelivered launch
    stored = await schedules.get(pool, "ws-1")
    assert stored is not None
    assert (stored.expires_at, stored.revision) == (EXPIRES + 2 * HOUR, 2)


async def test_an_extension_handled_before_its_launch_keeps_both(
    pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
) -> None:
    await apply(pool, extend("ws-1", expires_at=EXPIRES + HOUR, extension=1))
    await apply(pool, launch("ws-1", startup_timeout=300))
    stored = await schedules.get(pool, "ws-1")
    assert stored is not None
    assert (stored.expires_at, stored.revision) == (EXPIRES + HOUR, 1)
    assert stored.startup_deadline == LAUNCHED + timedelta(seconds=300)


async def test_a_termination_seen_before_the_launch_is_not_undone_by_it(
    pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
) -> None:
    await apply(pool, status("ws-1", "Terminated"))
    await apply(pool, launch("ws-1"))
    clock.set(EXPIRES + HOUR)
    assert await scan(pool, js, clock) == 0
    assert await terminations(js) == []


async def apply_extension(
    pool: asyncpg.Pool, instance: str, expires_at: datetime, extension: int
) -> Refusal | None:
    """The same write the consumer makes for an ``extend requested``, with its verdict."""
    event = extend(instance, expires_at=expires_at, extension=extension)
    return await schedules.record_deadline(
        pool,
        instance=event.instance,
        owner=event.owner,
        expires_at=event.expires_at,
        revision=event.extension,
    )
