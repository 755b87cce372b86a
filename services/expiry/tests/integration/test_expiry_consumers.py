"""Expiry's faststream consumers against a real NATS server (and, for dispatch, in memory).

Events are published to the stream as the api and sync publish them; the
tests poll the schedule until the consumers have carried them in.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest_asyncio
from faststream.nats import NatsBroker, TestNatsBroker
from nats.js import JetStreamContext
from services.expiry.tests.integration.clocks import LAUNCHED
from services.expiry.tests.integration.samples import EXPIRES, extend, launch, status, terminate
from services.expiry.tests.integration.streams import eventually, published

from orchestra_devstack.natsservers import NatsServer
from orchestra_expiry import schedules
from orchestra_expiry.subscribers import build_broker
from orchestra_shared import subjects
from orchestra_shared.events import Event, WorkspaceDeleteRequested, encode_event
from orchestra_shared.settings import NatsSettings, nats_options


async def publish(js: JetStreamContext, event: Event) -> None:
    subject = subjects.SUBJECT_BY_TYPE[event.model_dump()["type"]]
    await js.publish(subject, encode_event(event), headers={"Nats-Msg-Id": str(event.event_id)})


@pytest_asyncio.fixture
async def consuming(
    pool: asyncpg.Pool, nats_server: NatsServer, js: JetStreamContext
) -> AsyncIterator[NatsBroker]:
    broker = build_broker(nats_options(NatsSettings(nats_url=nats_server.url)), pool)
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()


async def test_commands_schedule_and_move_deadlines_and_a_terminate_waits_for_the_end(
    pool: asyncpg.Pool, js: JetStreamContext, consuming: NatsBroker
) -> None:
    await publish(js, launch("ws-1", startup_timeout=300))
    await publish(js, launch("ws-2"))

    async def scheduled() -> bool:
        one, two = await schedules.get(pool, "ws-1"), await schedules.get(pool, "ws-2")
        return one is not None and two is not None and one.expires_at == EXPIRES

    await eventually(scheduled)
    entry = await schedules.get(pool, "ws-1")
    assert entry is not None
    assert entry.startup_deadline == LAUNCHED + timedelta(seconds=300)

    await publish(js, terminate("ws-2", "user"))
    await publish(js, extend("ws-1", expires_at=EXPIRES + timedelta(hours=1), extension=1))

    async def moved() -> bool:  # the commands come in order: the terminate was handled too
        one = await schedules.get(pool, "ws-1")
        return one is not None and one.revision == 1

    await eventually(moved)
    entry = await schedules.get(pool, "ws-1")
    assert entry is not None
    assert entry.expires_at == EXPIRES + timedelta(hours=1)
    # Asked to end, not yet seen gone: the deadline stays armed, in case the terminate
    # is never carried out (dead-lettered by the operator, say).
    two = await schedules.get(pool, "ws-2")
    assert two is not None
    assert two.cancelled_at is None

    await publish(js, status("ws-2", "Terminated"))

    async def cancelled() -> bool:
        two = await schedules.get(pool, "ws-2")
        return two is not None and two.cancelled_at is not None

    await eventually(cancelled)


async def test_status_changes_settle_startups_and_cancel_on_termination(
    pool: asyncpg.Pool, js: JetStreamContext, consuming: NatsBroker
) -> None:
    await publish(js, launch("ws-1"))
    await publish(js, status("ws-1", "Ready", at=LAUNCHED + timedelta(seconds=20)))
    await publish(js, status("ws-2", "Terminated"))  # before its launch: still final

    async def observed() -> bool:
        one, two = await schedules.get(pool, "ws-1"), await schedules.get(pool, "ws-2")
        return (
            one is not None
            and one.startup_settled_at is not None
            and two is not None
            and two.cancelled_at is not None
        )

    await eventually(observed)
    entry = await schedules.get(pool, "ws-1")
    assert entry is not None
    assert entry.startup_settled_at == LAUNCHED + timedelta(seconds=20)


async def test_a_message_that_is_no_event_goes_to_the_dead_letter_subject(
    pool: asyncpg.Pool, js: JetStreamContext, consuming: NatsBroker
) -> None:
    await js.publish(subjects.LAUNCH_REQUESTED, b'{"type": "launch.requested"}')
    dead_letters = subjects.dead_letter_subject(subjects.EXPIRY_COMMANDS.durable)

    async def dead_lettered() -> bool:
        info = await js.stream_info(subjects.STREAM, subjects_filter=dead_letters)
        return bool(info.state.subjects)

    await eventually(dead_lettered)
    info = await js.stream_info(subjects.STREAM, subjects_filter=dead_letters)
    assert info.state.subjects == {dead_letters: 1}
    # The consumer moved on: the next launch is scheduled.
    await publish(js, launch("ws-1"))

    async def scheduled() -> bool:
        return await schedules.get(pool, "ws-1") is not None

    await eventually(scheduled)
    assert await published(js, subjects.TERMINATE_REQUESTED) == []


async def test_a_workspace_deletion_is_passed_over_but_a_malformed_one_is_dead_lettered(
    pool: asyncpg.Pool, js: JetStreamContext, consuming: NatsBroker
) -> None:
    """The one command without an instance: nothing to schedule, yet poison is still
    poison (the burst's poison run sends it on every subject)."""
    good = WorkspaceDeleteRequested(
        owner="ada@example.org",
        template_slug="rstudio",
        last_used_at=LAUNCHED,
    )
    await js.publish(subjects.WORKSPACE_DELETE_REQUESTED, encode_event(good))
    await js.publish(subjects.WORKSPACE_DELETE_REQUESTED, b'{"type": "workspace.delete-requested"}')
    dead_letters = subjects.dead_letter_subject(subjects.EXPIRY_COMMANDS.durable)

    async def dead_lettered() -> bool:
        info = await js.stream_info(subjects.STREAM, subjects_filter=dead_letters)
        return bool(info.state.subjects)

    await eventually(dead_lettered)
    # The consumer carried on: the next launch is scheduled, and only the malformed
    # deletion was set aside.
    await publish(js, launch("ws-2"))

    async def scheduled() -> bool:
        return await schedules.get(pool, "ws-2") is not None

    await eventually(scheduled)
    info = await js.stream_info(subjects.STREAM, subjects_filter=dead_letters)
    assert info.state.subjects == {dead_letters: 1}


async def test_dispatch_in_memory_reaches_the_schedule(pool: asyncpg.Pool) -> None:
    # Never dialled: TestNatsBroker patches it.
    broker = build_broker(nats_options(NatsSettings(nats_url="nats://127.0.0.1:1")), pool)
    async with TestNatsBroker(broker) as test_broker:
        await test_broker.publish(
            json.loads(encode_event(launch("ws-1"))),
            subjects.LAUNCH_REQUESTED,
            stream=subjects.STREAM,
        )
    entry = await schedules.get(pool, "ws-1")
    assert entry is not None
    assert entry.expires_at == EXPIRES
