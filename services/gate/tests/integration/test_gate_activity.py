"""What the gate counts as activity, and how it reports it: one batched message per window.

The real gate on loopback in front of the stand-in application; the report goes
to a real NATS with authorization on, as the gate's own user (docs/src/content/docs/decisions/0060).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import nats
import pytest
import pytest_asyncio
from nats.aio.client import Client
from services.gate.tests.gates import (
    RunningGate,
    gate_settings,
    running_gate,
    running_upstream,
    ticket,
)

from orchestra_devstack.natsservers import NatsServer
from orchestra_devstack.standin.apps import standin_app
from orchestra_devstack.standin.browsing import browser
from orchestra_gate.activities import DEFAULT_IGNORED_PATHS, counts_as_work
from orchestra_gate.reporting import Bus, report_window
from orchestra_shared import subjects
from orchestra_shared.activities import ActivityReport, parse_report
from orchestra_shared.settings import NatsSettings, nats_options
from orchestra_shared.streaming import ensure_stream

BUSY = "jupyter-1-abc"
HEARTBEAT = "rstudio-2-xyz"


@pytest_asyncio.fixture
async def gate(dsn: str) -> AsyncIterator[RunningGate]:
    async with (
        running_upstream(standin_app()) as upstream,
        running_gate(gate_settings(dsn, upstream, activity_floor=3)) as running,
    ):
        yield running


@pytest_asyncio.fixture
async def admin(nats_server: NatsServer) -> AsyncIterator[Client]:
    client = await nats.connect(nats_server.url)
    await ensure_stream(client.jetstream())
    yield client
    await client.close()


def gate_bus(nats_server: NatsServer) -> Bus:
    settings = NatsSettings(
        nats_url=nats_server.address,
        nats_user="gate",
        nats_password=nats_server.passwords["gate"],
    )
    return Bus(nats_options(settings))


async def reports(admin: Client) -> list[ActivityReport]:
    js = admin.jetstream()
    info = await js.stream_info(subjects.STREAM, subjects_filter=subjects.ACTIVITY_REPORTED)
    expected = sum((info.state.subjects or {}).values())
    if not expected:
        return []
    subscription = await js.pull_subscribe(subjects.ACTIVITY_REPORTED, stream=subjects.STREAM)
    try:
        messages = await subscription.fetch(batch=expected, timeout=30)
    finally:
        await subscription.unsubscribe()
    return [parse_report(message.data) for message in messages]


async def test_work_counts_polling_and_heartbeats_do_not_and_one_report_says_so(
    gate: RunningGate, nats_server: NatsServer, admin: Client
) -> None:
    async with browser() as client:
        for instance in (BUSY, HEARTBEAT):
            async with client.get(gate.open_url(instance, ticket(instance))) as response:
                assert response.status == 200
        gate.tally.close()  # the open flow is behind us: count from here

        # Someone at work: a page, a save, and messages typed into a WebSocket.
        async with client.get(gate.url(BUSY, "/lab")) as response:
            assert response.status == 200
        async with client.put(gate.url(BUSY, "/api/contents/a.ipynb"), data=b"{}") as response:
            assert response.status in (200, 405)
        async with client.ws_connect(gate.url(BUSY, "/ws").replace("http", "ws", 1)) as socket:
            for text in ("print(1)", "print(2)"):
                await socket.send_str(text)
                assert await socket.receive_str(timeout=60) == text  # echoes do not count
            await socket.ping()

        # A tab left open: the application's own polling, and one keep-alive message.
        for _ in range(5):
            async with client.get(gate.url(HEARTBEAT, "/api/kernels")) as response:
                assert response.status == 200
        async with client.ws_connect(gate.url(HEARTBEAT, "/ws").replace("http", "ws", 1)) as socket:
            await socket.send_str("ping")
            await socket.receive_str(timeout=60)

    bus = gate_bus(nats_server)
    await bus.connect_forever(asyncio.Event())
    try:
        assert await report_window(gate.tally, bus.publish, reporter="gate-test")
    finally:
        await bus.close()

    [report] = await reports(admin)
    assert (report.reporter, report.floor) == ("gate-test", 3)
    [busy] = report.instances
    # The page, the save, the WebSocket upgrade, two typed messages: five; the echoes, the
    # ping and the heartbeat tab's two events (upgrade and keep-alive) are below the floor.
    assert (busy.instance, busy.events) == (BUSY, 5)


async def test_a_window_that_could_not_be_reported_is_merged_into_the_next(
    gate: RunningGate, nats_server: NatsServer, admin: Client
) -> None:
    async with browser() as client:
        async with client.get(gate.open_url(BUSY, ticket(BUSY))) as response:
            assert response.status == 200
        for _ in range(3):
            async with client.get(gate.url(BUSY, "/lab")) as response:
                assert response.status == 200

    unconnected = gate_bus(nats_server)  # never connected: publishing fails
    assert not await report_window(gate.tally, unconnected.publish, reporter="gate-test")
    assert await reports(admin) == []

    bus = gate_bus(nats_server)
    await bus.connect_forever(asyncio.Event())
    try:
        assert await report_window(gate.tally, bus.publish, reporter="gate-test")
        assert await report_window(gate.tally, bus.publish, reporter="gate-test")  # empty: none
    finally:
        await bus.close()
    [report] = await reports(admin)
    assert [(seen.instance, seen.events >= 3) for seen in report.instances] == [(BUSY, True)]


@pytest.mark.parametrize(
    ("path", "counted"),
    [
        ("/lab", True),
        ("/api/contents/a.ipynb", True),
        ("/api/kernels/abc/channels", True),  # a kernel's WebSocket: its messages are work
        ("/api/kernels", False),
        ("/api/sessions/", False),
        ("/events/get_events", False),  # RStudio's long-poll
        ("/healthz", False),
    ],
)
def test_which_requests_count(path: str, counted: bool) -> None:
    ignored = tuple(re.compile(p) for p in DEFAULT_IGNORED_PATHS)
    assert counts_as_work(path, ignored) is counted
