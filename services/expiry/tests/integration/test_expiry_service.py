"""The whole service (``main.serve``) on the wall clock: a restart loses no deadline.

The only test that lets real time pass, a few seconds of it; punctuality is
measured in ``bench/expiry_lateness.py``, never asserted here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import asyncpg
from nats.js import JetStreamContext
from services.expiry.tests.integration.samples import launch, status
from services.expiry.tests.integration.streams import eventually, published

from orchestra_devstack.natsservers import NatsServer
from orchestra_expiry import schedules
from orchestra_expiry.config import ExpirySettings
from orchestra_expiry.main import serve
from orchestra_shared import subjects
from orchestra_shared.events import Event, TerminateRequested, encode_event


async def publish(js: JetStreamContext, event: Event) -> None:
    subject = subjects.SUBJECT_BY_TYPE[event.model_dump()["type"]]
    await js.publish(subject, encode_event(event), headers={"Nats-Msg-Id": str(event.event_id)})


@asynccontextmanager
async def running(settings: ExpirySettings) -> AsyncIterator[None]:
    stop = asyncio.Event()
    service = asyncio.create_task(serve(settings, stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(service, timeout=30)


async def test_deadlines_pending_across_a_restart_fire_when_it_is_back(
    dsn: str, pool: asyncpg.Pool, nats_server: NatsServer, js: JetStreamContext
) -> None:
    settings = ExpirySettings(database_dsn=dsn, nats_url=nats_server.url, tick=0.05)
    now = datetime.now(UTC)
    missed, later = now + timedelta(seconds=1), now + timedelta(seconds=4)
    async with running(settings):
        for name, deadline in [("ws-missed", missed), ("ws-later", later)]:
            await publish(js, launch(name, expires_at=deadline, occurred_at=now))
            await publish(js, status(name, "Ready", at=now))

        async def both_scheduled() -> bool:
            entries = [await schedules.get(pool, name) for name in ("ws-missed", "ws-later")]
            return all(entry is not None and entry.startup_settled_at for entry in entries)

        await eventually(both_scheduled)
    # Down while the first deadline passes.
    await asyncio.sleep(max(0.0, (missed - datetime.now(UTC)).total_seconds()) + 0.5)
    assert await published(js, subjects.TERMINATE_REQUESTED) == []

    async with running(settings):

        async def fired(names: set[str]) -> bool:
            events = await published(js, subjects.TERMINATE_REQUESTED)
            return names <= {e.instance for e in events if isinstance(e, TerminateRequested)}

        await eventually(lambda: fired({"ws-missed"}))
        await eventually(lambda: fired({"ws-missed", "ws-later"}))
    events = await published(js, subjects.TERMINATE_REQUESTED)
    assert [(e.instance, e.reason) for e in events if isinstance(e, TerminateRequested)] == [
        ("ws-missed", "expired"),
        ("ws-later", "expired"),
    ]
