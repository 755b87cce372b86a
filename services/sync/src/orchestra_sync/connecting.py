"""Connecting to Postgres and NATS, retrying with backoff until they answer.

Sync may start before its dependencies (a fresh cluster, a restarted node):
instead of exiting and relying on a restart policy, it waits. Later outages
are handled where the connections are used (each loop retries its own work).
"""

from __future__ import annotations

import logging

import asyncpg
from nats.aio.client import Client

from orchestra_shared import streaming
from orchestra_shared.retrying import POSTGRES_OUTAGES, Backoff, until_done
from orchestra_sync.config import SyncSettings

log = logging.getLogger(__name__)


async def connect_postgres(settings: SyncSettings) -> asyncpg.Pool:
    async def attempt() -> asyncpg.Pool:
        # Each concurrent recording holds a connection until its turn to commit:
        # they get their own on top of the pool size, so the relay never starves them.
        pool: asyncpg.Pool = await asyncpg.create_pool(
            settings.database_dsn,
            min_size=1,
            max_size=settings.database_pool_size + settings.record_concurrency,
            server_settings={"lock_timeout": str(round(settings.lock_timeout * 1000))},
        )
        return pool

    return await until_done(
        attempt,
        retry_on=POSTGRES_OUTAGES,
        backoff=backoff(settings),
        what="postgres",
        log=log,
    )


async def connect_nats(settings: SyncSettings) -> Client:
    """A client whose stream exists; it reconnects by itself after later outages."""
    return await streaming.connect(settings, backoff=backoff(settings))


def backoff(settings: SyncSettings) -> Backoff:
    return Backoff(settings.backoff_min, settings.backoff_max)
