"""The one outbox relay against a real Postgres and a real NATS: order, poison rows, traces, pruning."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
import nats
import pytest
import pytest_asyncio
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg

from orchestra_devstack.natsservers import NatsServer
from orchestra_devstack.postgresservers import start_postgres
from orchestra_shared import subjects
from orchestra_shared.migrating import upgrade_database_async
from orchestra_shared.relaying import API_OUTBOX, SYNC_OUTBOX, Outbox, Relay, RelaySettings, backlog
from orchestra_shared.streaming import ensure_stream

T = TypeVar("T")
SETTINGS = RelaySettings(
    batch_size=50,
    publish_timeout=5.0,
    poll_interval=0.1,
    retention=3600.0,
    backoff_initial=0.05,
    backoff_max=0.5,
)
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


async def eventually(
    check: Callable[[], Awaitable[T | None]], *, what: str, timeout: float = 60
) -> T:
    """Poll ``check`` until it returns something truthy (a condition, never a fixed sleep)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest_asyncio.fixture
async def client(nats_server: NatsServer) -> AsyncIterator[Client]:
    connected = await nats.connect(nats_server.url)
    await ensure_stream(connected.jetstream())
    try:
        yield connected
    finally:
        await connected.close()


async def add_row(
    pool: asyncpg.Pool,
    outbox: Outbox,
    instance: str,
    *,
    step: int = 0,
    payload: dict[str, Any] | None = None,
    headers: str = "{}",
) -> uuid.UUID:
    event_id = uuid.uuid4()
    body = json.dumps(payload or {"instance": instance, "step": step})
    if outbox is API_OUTBOX:
        await pool.execute(
            "INSERT INTO outbox (event_id, subject, payload, headers) VALUES ($1, $2, $3, $4)",
            event_id,
            subjects.TERMINATE_REQUESTED,
            body,
            headers,
        )
    else:
        await pool.execute(
            """INSERT INTO sync_outbox (event_id, instance, subject, payload, headers)
               VALUES ($1, $2, $3, $4, $5)""",
            event_id,
            instance,
            subjects.STATUS_CHANGED,
            body,
            headers,
        )
    return event_id


async def in_stream(js: JetStreamContext) -> list[RawStreamMsg]:
    info = await js.stream_info(subjects.STREAM)
    if not info.state.messages:
        return []
    found = []
    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
        message = await js.get_msg(subjects.STREAM, sequence)
        found.append(message)
    return found


async def running(*relays: tuple[Relay, JetStreamContext]) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(relay.run(js)) for relay, js in relays]


async def stopped(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class SlowFirstPublish:
    """A real JetStream context whose first publish stalls: the window in which two
    relays sharing the work by row locks reorder one instance's events."""

    def __init__(self, js: JetStreamContext, stall: asyncio.Event) -> None:
        self.js = js
        self.stall = stall
        self.entered = asyncio.Event()
        self.first = True

    async def publish(self, subject: str, payload: bytes, **kwargs: Any) -> Any:
        if self.first:
            self.first = False
            self.entered.set()
            await self.stall.wait()
        return await self.js.publish(subject, payload, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.js, name)


@pytest.mark.parametrize("outbox", [API_OUTBOX, SYNC_OUTBOX], ids=lambda o: o.table)
async def test_two_replicas_publish_each_instances_events_in_commit_order(
    pool: asyncpg.Pool, client: Client, outbox: Outbox
) -> None:
    js = client.jetstream()
    stall = asyncio.Event()
    one_at_a_time = RelaySettings(**{**SETTINGS.__dict__, "batch_size": 1})
    slow = Relay(pool, outbox, one_at_a_time)
    quick = Relay(pool, outbox, one_at_a_time)
    await add_row(pool, outbox, "ws-a", step=0)
    stalling = SlowFirstPublish(js, stall)
    tasks = await running((slow, stalling))  # type: ignore[arg-type]
    await asyncio.wait_for(stalling.entered.wait(), timeout=30)
    # The slow replica is publishing row 0 and stalls; rows 1-3 commit, the other replica runs.
    for step in range(1, 4):
        await add_row(pool, outbox, "ws-a", step=step)
    tasks += await running((quick, js))
    quick.wake()
    # A window for the wrong thing to happen (rows 1-3 overtaking row 0); the assertion
    # below holds on correct code however long or short this is.
    await asyncio.sleep(0.5)
    stall.set()
    try:
        messages = await eventually(
            lambda: _when(in_stream(js), lambda found: len(found) == 4), what="four events"
        )
    finally:
        await stopped(tasks)
    assert [json.loads(m.data or b"{}")["step"] for m in messages] == [0, 1, 2, 3]


async def _when(found: Awaitable[T], condition: Callable[[T], bool]) -> T | None:
    value = await found
    return value if condition(value) else None


@pytest.mark.parametrize("outbox", [API_OUTBOX, SYNC_OUTBOX], ids=lambda o: o.table)
async def test_a_refused_row_is_set_aside_with_its_reason_and_the_rest_flow(
    pool: asyncpg.Pool, client: Client, outbox: Outbox
) -> None:
    js = client.jetstream()
    await add_row(pool, outbox, "ws-a", step=0)
    # Bigger than the server's max_payload (1 MiB): NATS will never take it.
    poison = await add_row(pool, outbox, "ws-b", payload={"instance": "ws-b", "x": "y" * 2**21})
    await add_row(pool, outbox, "ws-c", step=2)
    counted: list[int] = []
    tasks = await running((Relay(pool, outbox, SETTINGS, on_set_aside=counted.append), js))
    try:
        messages = await eventually(
            lambda: _when(in_stream(js), lambda found: len(found) == 2), what="the other rows"
        )
        # The round's marks commit after its publishes: wait for them, not for the stream.
        await eventually(
            lambda: pool.fetchval(
                f"SELECT count(*) = 3 FROM {outbox.table} "
                "WHERE published_at IS NOT NULL OR set_aside_at IS NOT NULL"
            ),
            what="the round to commit",
        )
    finally:
        await stopped(tasks)
    assert [json.loads(m.data or b"{}")["instance"] for m in messages] == ["ws-a", "ws-c"]
    row = await pool.fetchrow(
        f"SELECT set_aside_at, last_error, published_at FROM {outbox.table} WHERE event_id = $1",
        poison,
    )
    assert row["set_aside_at"] is not None
    assert row["published_at"] is None
    assert "MaxPayload" in row["last_error"]
    assert counted == [1]
    assert await backlog(pool, outbox) == (0, 1)


async def test_rows_wait_out_an_outage_and_flow_in_order_when_nats_returns(
    pool: asyncpg.Pool, nats_server: NatsServer
) -> None:
    connected = await nats.connect(
        nats_server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.1
    )
    try:
        js = connected.jetstream()
        await ensure_stream(js)
        tasks = await running((Relay(pool, SYNC_OUTBOX, SETTINGS), js))
        await nats_server.stop()
        for step in range(5):
            await add_row(pool, SYNC_OUTBOX, "ws-a", step=step)
        await eventually(
            lambda: pool.fetchval("SELECT count(*) > 0 FROM sync_outbox WHERE attempts > 0"),
            what="a failed attempt",
        )
        assert await backlog(pool, SYNC_OUTBOX) == (5, 0)  # an outage sets nothing aside
        await nats_server.start()
        try:
            messages = await eventually(
                lambda: _when(in_stream(js), lambda found: len(found) == 5),
                what="the backlog",
                timeout=60,
            )
        finally:
            await stopped(tasks)
        assert [json.loads(m.data or b"{}")["step"] for m in messages] == [0, 1, 2, 3, 4]
    finally:
        await connected.close()


async def test_each_publish_continues_the_trace_stored_with_its_row(
    pool: asyncpg.Pool, client: Client
) -> None:
    js = client.jetstream()
    event_id = await add_row(
        pool, SYNC_OUTBOX, "ws-a", headers=json.dumps({"traceparent": TRACEPARENT})
    )
    tasks = await running((Relay(pool, SYNC_OUTBOX, SETTINGS), js))
    try:
        [message] = await eventually(lambda: in_stream(js), what="the event")
    finally:
        await stopped(tasks)
    assert message.headers is not None
    assert message.headers["Nats-Msg-Id"] == str(event_id)
    # Without a tracer provider the span is non-recording: the stored context passes on.
    assert message.headers["traceparent"].split("-")[1] == TRACEPARENT.split("-")[1]


async def test_published_rows_are_pruned_after_the_retention(
    pool: asyncpg.Pool, client: Client
) -> None:
    js = client.jetstream()
    old = await add_row(pool, API_OUTBOX, "ws-old")
    await pool.execute(
        "UPDATE outbox SET published_at = now() - interval '2 hours' WHERE event_id = $1", old
    )
    fresh = await add_row(pool, API_OUTBOX, "ws-new")
    tasks = await running((Relay(pool, API_OUTBOX, SETTINGS), js))
    try:
        await eventually(
            lambda: pool.fetchval(
                "SELECT count(*) = 1 AND bool_and(published_at IS NOT NULL) FROM outbox"
            ),
            what="the old row pruned and the new one published",
        )
    finally:
        await stopped(tasks)
    assert await pool.fetchval("SELECT event_id FROM outbox") == fresh


async def test_the_relay_outlives_a_postgres_restart_and_listens_again(client: Client) -> None:
    js = client.jetstream()
    postgres = await start_postgres()
    try:
        await upgrade_database_async(postgres.dsn)
        own = await asyncpg.create_pool(postgres.dsn, min_size=1, max_size=4)
        # No poll in the test's time: only the relay's own notice of the lost listener can
        # bring the second event in time.
        relay = Relay(
            own, SYNC_OUTBOX, RelaySettings(**{**SETTINGS.__dict__, "poll_interval": 3600})
        )
        tasks = await running((relay, js))
        try:
            await add_row(own, SYNC_OUTBOX, "ws-a", step=0)
            await eventually(lambda: in_stream(js), what="the first event")
            await postgres.stop()
            await postgres.start()
            # Only a NOTIFY on a fresh listener brings this one.
            await eventually(lambda: _inserted(own, "ws-b"), what="a write after the restart")
            await eventually(
                lambda: _when(in_stream(js), lambda found: len(found) == 2),
                what="the event written after the restart",
                timeout=60,
            )
            assert not any(task.done() for task in tasks)
        finally:
            await stopped(tasks)
            await own.close()
    finally:
        await postgres.close()


async def _inserted(pool: asyncpg.Pool, instance: str) -> bool:
    try:
        await add_row(pool, SYNC_OUTBOX, instance, step=1)
        await pool.execute("NOTIFY sync_outbox")
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
        return False
    return True
