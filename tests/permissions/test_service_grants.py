"""Each service, as its own NATS user, can do its job against a nats-server that enforces
the permissions contract: its publishes, its consumers, its acknowledgements, its
dead letters. The services' own connect and consume code runs here, not a copy of it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import cast

import asyncpg
import pytest

from orchestra_api.config import ApiSettings
from orchestra_api.replaying import missed_notices
from orchestra_api.streaming import Hub, Notice
from orchestra_devstack.natsservers import NatsServer
from orchestra_expiry.config import ExpirySettings
from orchestra_expiry.subscribers import build_broker as build_expiry_broker
from orchestra_operator.cluster import Cluster
from orchestra_operator.config import OperatorSettings
from orchestra_operator.main import wait_for_stream
from orchestra_operator.subscribers import build_broker as build_operator_broker
from orchestra_operator.tombstones import open_tombstones
from orchestra_shared import subjects
from orchestra_shared.catalogs import Catalog
from orchestra_shared.events import DeadLetter, StatusChanged, encode_event
from orchestra_shared.settings import nats_options
from orchestra_shared.streaming import ensure_stream
from orchestra_sync.config import SyncSettings
from orchestra_sync.connecting import connect_nats
from orchestra_sync.remembering import Terminations
from orchestra_sync.subscribers import build_broker as build_sync_broker
from tests.permissions.clients import connect, eventually, settings_of, stored_on

pytestmark = pytest.mark.timeout(180)  # above its waits: a bound catches a hang
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def status_changed(phase: str = "Ready") -> StatusChanged:
    return StatusChanged.model_validate(
        {"instance": "perm-1", "owner": "ada@example.org", "phase": phase, "transitioned_at": NOW}
    )


async def dead_lettered(server: NatsServer, consumer: str) -> DeadLetter:
    """The dead letter ``consumer`` parked, read as the admin; waits for it."""
    admin = await connect(server, "admin")
    try:
        data = await eventually(
            lambda: stored_on(admin.js, subjects.dead_letter_subject(consumer)),
            until=lambda d: d is not None,
        )
        assert data is not None
        return DeadLetter.model_validate_json(data)
    finally:
        await admin.client.close()


async def consumer_done(server: NatsServer, durable: str) -> None:
    """Every message delivered to ``durable`` was acknowledged (as the admin sees it)."""
    admin = await connect(server, "admin")
    try:
        await eventually(
            lambda: admin.js.consumer_info(subjects.STREAM, durable),
            until=lambda info: info.num_pending == 0 and info.num_ack_pending == 0,
        )
    finally:
        await admin.client.close()


async def test_the_api_publishes_commands_and_follows_status_live_and_in_replay(
    nats_server: NatsServer,
) -> None:
    options = nats_options(settings_of(ApiSettings, nats_server, "api", environment="development"))
    api = await connect(nats_server, "api")
    hub = Hub(nats_options=options, queue_size=10)
    running = asyncio.create_task(hub.run())
    try:
        await ensure_stream(api.js)
        for subject in (
            subjects.LAUNCH_REQUESTED,
            subjects.TERMINATE_REQUESTED,
            subjects.EXTEND_REQUESTED,
            subjects.EXPORT_REQUESTED,
        ):
            acked = await api.js.publish(subject, b"{}", headers={"Nats-Msg-Id": subject})
            assert acked.stream == subjects.STREAM

        async def subscribed() -> bool:
            return hub.position is not None

        await eventually(subscribed, until=bool)
        listener = hub.listen(None)

        sync = await connect(nats_server, "sync")
        await sync.js.publish(subjects.STATUS_CHANGED, encode_event(status_changed()))
        live = await asyncio.wait_for(listener.queue.get(), timeout=60)
        assert isinstance(live, Notice)
        assert live.owner == "ada@example.org"
        await sync.client.close()

        replayed = [
            notice
            async for notice in missed_notices(hub.jetstream, None, 0, limit=10, timeout=30.0)
        ]
        assert [n.seq for n in replayed if isinstance(n, Notice)] == [live.seq]
        assert not api.errors
    finally:
        hub.stopping.set()
        await asyncio.wait_for(running, timeout=30)
        await api.client.close()


async def test_the_operator_consumes_commands_dead_letters_and_keeps_tombstones(
    nats_server: NatsServer,
) -> None:
    settings = settings_of(OperatorSettings, nats_server, "operator")
    await wait_for_stream(settings)
    operator = await connect(nats_server, "operator")
    tombstones = await open_tombstones(operator.js, ttl=60.0)
    await tombstones.bury("perm-1", "user")
    assert await tombstones.buried("perm-1")
    assert not await tombstones.buried("perm-2")
    # An unparseable command never reaches the cluster: it is dead-lettered and acked.
    broker = build_operator_broker(settings, cast(Cluster, None), Catalog(templates={}), tombstones)
    await broker.start()
    try:
        api = await connect(nats_server, "api")
        await api.js.publish(subjects.LAUNCH_REQUESTED, b"not an event")
        await api.client.close()
        letter = await dead_lettered(nats_server, subjects.OPERATOR_COMMANDS.durable)
        assert letter.subject == subjects.LAUNCH_REQUESTED
        await consumer_done(nats_server, subjects.OPERATOR_COMMANDS.durable)
        assert not operator.errors
    finally:
        await broker.stop()
        await operator.client.close()


async def test_sync_publishes_status_and_remembers_terminations_with_its_own_consumer(
    nats_server: NatsServer, pool: asyncpg.Pool
) -> None:
    settings = settings_of(SyncSettings, nats_server, "sync")
    client = await connect_nats(settings)
    terminations = Terminations()
    terminations.js = client.jetstream()
    broker = build_sync_broker(settings, pool)
    await broker.start()
    try:
        acked = await client.jetstream().publish(
            subjects.STATUS_CHANGED, encode_event(status_changed())
        )
        assert acked.stream == subjects.STREAM
        api = await connect(nats_server, "api")
        await api.js.publish(subjects.TERMINATE_REQUESTED, b"not an event")
        await api.client.close()
        letter = await dead_lettered(nats_server, subjects.SYNC_TERMINATIONS.durable)
        assert letter.subject == subjects.TERMINATE_REQUESTED
        await eventually(terminations.caught_up, until=bool)
        # Its audit may ask to end a workshop (never to launch or extend one).
        acked = await client.jetstream().publish(subjects.TERMINATE_REQUESTED, b"{}")
        assert acked.stream == subjects.STREAM
    finally:
        await broker.stop()
        await client.close()


async def test_expiry_consumes_commands_and_status_and_publishes_terminations_and_notices(
    nats_server: NatsServer, pool: asyncpg.Pool
) -> None:
    expiry = await connect(nats_server, "expiry")
    await ensure_stream(expiry.js)
    broker = build_expiry_broker(
        nats_options(settings_of(ExpirySettings, nats_server, "expiry")), pool
    )
    await broker.start()
    try:
        for subject in (subjects.TERMINATE_REQUESTED, subjects.EXPIRING):
            acked = await expiry.js.publish(subject, b"{}")
            assert acked.stream == subjects.STREAM
        sync = await connect(nats_server, "sync")
        await sync.js.publish(subjects.STATUS_CHANGED, b"not an event")
        await sync.client.close()
        letter = await dead_lettered(nats_server, subjects.EXPIRY_STATUS.durable)
        assert letter.subject == subjects.STATUS_CHANGED
        # Its own terminate request is a command it reads back: unparseable, dead-lettered.
        letter = await dead_lettered(nats_server, subjects.EXPIRY_COMMANDS.durable)
        assert letter.subject == subjects.TERMINATE_REQUESTED
        for spec in (subjects.EXPIRY_COMMANDS, subjects.EXPIRY_STATUS):
            await consumer_done(nats_server, spec.durable)
        assert not expiry.errors
    finally:
        await broker.stop()
        await expiry.client.close()
