"""Connecting to Postgres and NATS, retrying with backoff until they answer.

Sync may start before its dependencies (a fresh cluster, a restarted node):
instead of exiting and relying on a restart policy, it waits. Later outages
are handled where the connections are used (each loop retries its own work).
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import nats
import nats.errors
from nats.aio.client import Client

from orchestra_shared.settings import nats_options
from orchestra_shared.streaming import ensure_stream
from orchestra_sync.config import SyncSettings

log = logging.getLogger(__name__)


async def connect_postgres(settings: SyncSettings) -> asyncpg.Pool:
    delay = settings.backoff_min
    while True:
        try:
            # Each concurrent recording holds a connection until its turn to commit:
            # they get their own on top of the pool size, so the relay never starves them.
            pool: asyncpg.Pool = await asyncpg.create_pool(
                settings.database_dsn,
                min_size=1,
                max_size=settings.database_pool_size + settings.record_concurrency,
                server_settings={"lock_timeout": str(round(settings.lock_timeout * 1000))},
            )
            return pool
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as error:
            log.warning("postgres not answering; retrying", extra={"error": repr(error)})
        await asyncio.sleep(delay)
        delay = min(delay * 2, settings.backoff_max)


async def connect_nats(settings: SyncSettings) -> Client:
    """A client whose stream exists; it reconnects by itself after later outages."""
    delay = settings.backoff_min
    while True:
        client = None
        try:
            client = await nats.connect(
                **nats_options(settings),
                max_reconnect_attempts=-1,
                reconnect_time_wait=min(settings.backoff_max, 2.0),
                allow_reconnect=True,
            )
            await ensure_stream(client.jetstream())
            return client
        except (nats.errors.Error, OSError, TimeoutError) as error:
            log.warning("nats not answering; retrying", extra={"error": repr(error)})
            if client is not None:
                await client.close()
        await asyncio.sleep(delay)
        delay = min(delay * 2, settings.backoff_max)
