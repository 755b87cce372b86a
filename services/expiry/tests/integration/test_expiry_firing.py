"""Firing against real Postgres and NATS with a fake clock: deadlines, warnings, stuck launches.

Each test moves the clock to the moments that matter and runs one scan
(``fire_due``), then reads back what reached the stream.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, cast

import asyncpg
import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from services.expiry.tests.integration.clocks import LAUNCHED, FakeClock
from services.expiry.tests.integration.samples import EXPIRES, OWNER, launch, status
from services.expiry.tests.integration.streams import eventually, published

from orchestra_devstack.natsservers import NatsServer
from orchestra_expiry import schedules
from orchestra_expiry.firing import fire_due, fire_forever
from orchestra_expiry.subscribers import apply
from orchestra_shared import subjects
from orchestra_shared.events import Expiring, TerminateRequested

LEADS = [900, 300]
GRACE = timedelta(seconds=60)


async def scan(pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock, limit: int = 200) -> int:
    return await fire_due(pool, js, leads=LEADS, limit=limit, startup_grace=GRACE, clock=clock)


async def terminations(js: JetStreamContext) -> list[TerminateRequested]:
    events = await published(js, subjects.TERMINATE_REQUESTED)
    return [event for event in events if isinstance(event, TerminateRequested)]


async def warnings(js: JetStreamContext) -> list[Expiring]:
    return [
        event for event in await published(js, subjects.EXPIRING) if isinstance(event, Expiring)
    ]


class TestDeadlines:
    async def test_a_deadline_fires_at_its_moment_and_not_before(
        self, pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
    ) -> None:
        await apply(pool, launch("ws-1"))
        await apply(pool, status("ws-1", "Ready"))
        clock.set(EXPIRES - timedelta(milliseconds=1))
        await scan(pool, js, clock)
        assert await terminations(js) == []

        clock.set(EXPIRES)
        assert await scan(pool, js, clock) == 1
        [fired] = await terminations(js)
        assert (fired.instance, fired.owner, fired.reason) == ("ws-1", OWNER, "expired")

        clock.advance(60)
        assert await scan(pool, js, clock) == 0
        assert len(await terminations(js)) == 1
        entry = await schedules.get(pool, "ws-1")
        assert entry is not None
        assert entry.fired_at == EXPIRES

    async def test_deadlines_missed_while_down_all_fire_at_the_first_scan(
        self, pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
    ) -> None:
        for index in range(3):
            await apply(pool, launch(f"ws-{index}", expires_at=EXPIRES + timedelta(minutes=index)))
            await apply(pool, status(f"ws-{index}", "Ready"))
        clock.set(EXPIRES + timedelta(hours=1))  # the service was down through all three
        assert await scan(pool, js, clock) == 3
        assert sorted(event.instance for event in await terminations(js)) == [
            "ws-0",
            "ws-1",
            "ws-2",
        ]
        assert await warnings(js) == []  # too late to warn: the deadline has passed

    async def test_a_terminated_instance_never_fires(
        self, pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
    ) -> None:
        await apply(pool, launch("ws-1"))
        await apply(pool, status("ws-1", "Terminated"))
        clock.set(EXPIRES + timedelta(hours=1))
        assert await scan(pool, js, clock) == 0
        assert await terminations(js) == []

    async def test_a_nats_outage_delays_a_deadline_but_never_loses_it(
        self, pool: asyncpg.Pool, js: JetStreamContext, nats_server: NatsServer, clock: FakeClock
    ) -> None:
        await apply(pool, launch("ws-1"))
        await apply(pool, status("ws-1", "Ready"))
        clock.set(EXPIRES)
        await nats_server.stop()
        firing = asyncio.create_task(
            fire_forever(pool, js, leads=LEADS, limit=200, tick=0.05, retry_delay=0.1, clock=clock)
        )
        try:
            await asyncio.sleep(1.5)  # several scans fail while NATS is away
            entry = await schedules.get(pool, "ws-1")
            assert entry is not None
            assert entry.fired_at is None
            assert not firing.done()

            await nats_server.start()

            async def fired() -> bool:
                entry = await schedules.get(pool, "ws-1")
                return entry is not None and entry.fired_at is not None

            await eventually(fired)
        finally:
            firing.cancel()
            await asyncio.gather(firing, return_exceptions=True)
        assert [event.instance for event in await terminations(js)] == ["ws-1"]


class TestWarnings:
    async def test_warnings_at_both_lead_times(
        self, pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
    ) -> None:
        await apply(pool, launch("ws-1"))
        await apply(pool, status("ws-1", "Ready"))
        for seconds_before, expected in [
            (901, []),
            (900, [900]),
            (600, [900]),
            (301, [900]),
            (300, [900, 300]),
            (1, [900, 300]),
        ]:
            clock.set(EXPIRES - timedelta(seconds=seconds_before))
            await scan(pool, js, clock)
            sent = await warnings(js)
            assert [event.lead_seconds for event in sent] == expected, seconds_before
        assert {(event.instance, event.owner, event.expires_at) for event in sent} == {
            ("ws-1", OWNER, EXPIRES)
        }
        assert await terminations(js) == []

    async def test_warnings_missed_together_are_announced_once_with_the_time_left(
        self, pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
    ) -> None:
        await apply(pool, launch("ws-1"))
        await apply(pool, status("ws-1", "Ready"))
        clock.set(EXPIRES - timedelta(seconds=120))
        await scan(pool, js, clock)
        clock.advance(1)
        await scan(pool, js, clock)
        assert [event.lead_seconds for event in await warnings(js)] == [300]


class TestStuckLaunches:
    async def test_a_launch_never_ready_is_terminated_after_its_timeout_and_the_grace(
        self, pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
    ) -> None:
        await apply(pool, launch("ws-1", startup_timeout=300))
        await apply(pool, status("ws-1", "Provisioning"))
        clock.set(LAUNCHED + timedelta(seconds=300) + GRACE - timedelta(milliseconds=1))
        await scan(pool, js, clock)
        assert await terminations(js) == []

        clock.set(LAUNCHED + timedelta(seconds=300) + GRACE)
        assert await scan(pool, js, clock) == 1
        [fired] = await terminations(js)
        assert (fired.instance, fired.reason) == ("ws-1", "startup-timeout")

        clock.set(EXPIRES)  # the regular deadline does not fire a second time
        assert await scan(pool, js, clock) == 0
        assert len(await terminations(js)) == 1

    async def test_a_ready_launch_is_never_stuck(
        self, pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
    ) -> None:
        await apply(pool, launch("ws-1", startup_timeout=300))
        await apply(pool, status("ws-1", "Ready", at=LAUNCHED + timedelta(seconds=30)))
        await apply(pool, status("ws-1", "Provisioning", at=LAUNCHED + timedelta(seconds=900)))
        clock.set(LAUNCHED + timedelta(hours=1))
        assert await scan(pool, js, clock) == 0

    async def test_a_launch_the_operator_failed_is_left_to_the_operator(
        self, pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
    ) -> None:
        await apply(pool, launch("ws-1", startup_timeout=300))
        await apply(pool, status("ws-1", "Failed", at=LAUNCHED + timedelta(seconds=301)))
        clock.set(LAUNCHED + timedelta(hours=1))
        assert await scan(pool, js, clock) == 0

    async def test_ready_seen_before_the_launch_still_counts(
        self, pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
    ) -> None:
        await apply(pool, status("ws-1", "Ready", at=LAUNCHED + timedelta(seconds=30)))
        await apply(pool, launch("ws-1", startup_timeout=300))
        clock.set(LAUNCHED + timedelta(hours=1))
        assert await scan(pool, js, clock) == 0
        clock.set(EXPIRES)
        assert await scan(pool, js, clock) == 1


class CountingJetStream:
    """A JetStream context that counts every publish before passing it on."""

    def __init__(self, js: JetStreamContext, counts: dict[str, int]) -> None:
        self.js = js
        self.counts = counts

    async def publish(self, subject: str, payload: bytes, **kwargs: Any) -> object:
        message_id = kwargs["headers"]["Nats-Msg-Id"]
        self.counts[message_id] = self.counts.get(message_id, 0) + 1
        return await self.js.publish(subject, payload, **kwargs)


async def test_two_replicas_fire_each_deadline_once(
    dsn: str, pool: asyncpg.Pool, nats_server: NatsServer, js: JetStreamContext, clock: FakeClock
) -> None:
    count = 120
    for index in range(count):
        await apply(pool, launch(f"ws-{index:03}", expires_at=EXPIRES + timedelta(seconds=index)))
    counts: dict[str, int] = {}
    replicas = []
    for _ in range(2):
        replica_pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
        client = await nats.connect(nats_server.url)
        replicas.append((replica_pool, client))
    clock.set(EXPIRES + timedelta(seconds=count))

    async def replica(replica_pool: asyncpg.Pool, client: Client) -> None:
        counting = cast(JetStreamContext, CountingJetStream(client.jetstream(), counts))
        while await scan(replica_pool, counting, clock, limit=7):
            pass

    try:
        await asyncio.gather(*(replica(p, c) for p, c in replicas))
    finally:
        for replica_pool, client in replicas:
            await replica_pool.close()
            await client.close()
    assert len(counts) == count
    assert set(counts.values()) == {1}
    assert len(await terminations(js)) == count


class TestTracing:
    async def test_the_termination_carries_the_launchs_trace(
        self, pool: asyncpg.Pool, js: JetStreamContext, clock: FakeClock
    ) -> None:
        trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
        launch_span = "00f067aa0ba902b7"
        await apply(pool, launch("ws-traced"), trace_context=f"00-{trace_id}-{launch_span}-01")
        await apply(pool, status("ws-traced", "Ready"))
        clock.set(EXPIRES)
        assert await scan(pool, js, clock) == 1

        subscription = await js.pull_subscribe(subjects.TERMINATE_REQUESTED, stream=subjects.STREAM)
        [message] = await subscription.fetch(batch=1, timeout=30)
        traceparent = (message.headers or {})["traceparent"]
        assert traceparent.split("-")[1] == trace_id
        assert message.headers is not None
        assert message.headers["Nats-Msg-Id"].startswith("expire:ws-traced:")
