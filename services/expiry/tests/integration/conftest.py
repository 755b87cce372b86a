"""Fixtures for expiry against real Postgres and NATS: a migrated schedule, a stream, a clock.

Time is a ``FakeClock`` handed to ``fire_due``: tests move it to the moments
that matter instead of sleeping through minutes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import nats
import pytest
import pytest_asyncio
from nats.aio.client import Client
from nats.js import JetStreamContext
from services.expiry.tests.integration.clocks import FakeClock

from orchestra_devstack.natsservers import NatsServer
from orchestra_shared.streaming import ensure_stream


@pytest_asyncio.fixture
async def nats_client(nats_server: NatsServer) -> AsyncIterator[Client]:
    client = await nats.connect(nats_server.url, max_reconnect_attempts=-1, connect_timeout=2)
    await ensure_stream(client.jetstream())
    try:
        yield client
    finally:
        await client.close()


@pytest_asyncio.fixture
async def js(nats_client: Client) -> JetStreamContext:
    return nats_client.jetstream()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
