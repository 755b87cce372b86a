"""A Postgres outage delays expiry but loses nothing: neither a deadline nor an event.

Runs its own Postgres (the session's server must never be stopped) and the
real firing loop and consumers against it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest_asyncio
from nats.js import JetStreamContext
from services.expiry.tests.integration.clocks import FakeClock
from services.expiry.tests.integration.samples import EXPIRES, extend, launch, status
from services.expiry.tests.integration.streams import eventually, published

from orchestra_devstack.natsservers import NatsServer
from orchestra_devstack.postgresservers import PostgresServer, start_postgres
from orchestra_expiry import schedules
from orchestra_expiry.firing import fire_forever
from orchestra_expiry.subscribers import apply, build_broker
from orchestra_shared import subjects
from orchestra_shared.events import Event, TerminateRequested, encode_event
from orchestra_shared.migrating import upgrade_database_async
from orchestra_shared.settings import NatsSettings, nats_options


@pytest_asyncio.fixture
async def own_postgres() -> AsyncIterator[PostgresServer]:
    server = await start_postgres()
    try:
        await upgrade_database_async(server.dsn)
        yield server
    finally:
        await server.close()


async def publish(js: JetStreamContext, event: Event) -> None:
    subject = subjects.SUBJECT_BY_TYPE[event.model_dump()["type"]]
    await js.publish(subject, encode_event(event), headers={"Nats-Msg-Id": str(event.event_id)})


async def test_a_postgres_outage_delays_firing_and_consuming_but_loses_nothing(
    own_postgres: PostgresServer, nats_server: NatsServer, js: JetStreamContext, clock: FakeClock
) -> None:
    pool = await asyncpg.create_pool(own_postgres.dsn, min_size=1, max_size=4)
    broker = build_broker(nats_options(NatsSettings(nats_url=nats_server.url)), pool)
    firing: asyncio.Task[None] | None = None
    try:
        for name, deadline in [("ws-due", EXPIRES), ("ws-later", EXPIRES + timedelta(hours=1))]:
            await apply(pool, launch(name, expires_at=deadline))
            await apply(pool, status(name, "Ready"))
        await broker.start()
        clock.set(EXPIRES)
        await own_postgres.stop()

        firing = asyncio.create_task(
            fire_forever(pool, js, leads=[], limit=50, tick=0.05, retry_delay=0.2, clock=clock)
        )
        later = EXPIRES + timedelta(hours=2)
        await publish(js, extend("ws-later", expires_at=later, extension=1))
        await asyncio.sleep(1.5)  # scans and the consumer fail meanwhile
        assert await published(js, subjects.TERMINATE_REQUESTED) == []
        assert not firing.done()

        await own_postgres.start()

        async def recovered() -> bool:
            try:
                due, moved = (
                    await schedules.get(pool, "ws-due"),
                    await schedules.get(pool, "ws-later"),
                )
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                return False
            return (
                due is not None
                and due.fired_at is not None
                and moved is not None
                and moved.expires_at == later
            )

        await eventually(recovered, timeout=40)
    finally:
        if firing is not None:
            firing.cancel()
            await asyncio.gather(firing, return_exceptions=True)
        await broker.stop()
        await pool.close()
    events = await published(js, subjects.TERMINATE_REQUESTED)
    assert [e.instance for e in events if isinstance(e, TerminateRequested)] == ["ws-due"]
