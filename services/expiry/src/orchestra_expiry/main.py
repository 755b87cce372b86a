"""Composition root of expiry: the schedule's consumers and the firing loop, one process.

Postgres and NATS must answer at start (the launcher or Kubernetes restarts
the process otherwise). Nothing is kept in memory that the table does not
hold, so a restart rebuilds the schedule by reading it, and deadlines missed
while down fire at the first tick.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import nats

from orchestra_expiry.config import ExpirySettings
from orchestra_expiry.firing import fire_as_configured
from orchestra_expiry.subscribers import build_broker
from orchestra_shared.migrating import wait_for_schema
from orchestra_shared.running import run_service
from orchestra_shared.settings import nats_options
from orchestra_shared.streaming import ensure_stream

log = logging.getLogger(__name__)


async def serve(settings: ExpirySettings, stop: asyncio.Event) -> None:
    if not await wait_for_schema(settings.database_dsn, stop=stop):
        return
    pool = await asyncpg.create_pool(
        settings.database_dsn, min_size=1, max_size=settings.database_pool_size
    )
    client = await nats.connect(**nats_options(settings), max_reconnect_attempts=-1)
    js = client.jetstream()
    await ensure_stream(js)
    broker = build_broker(nats_options(settings), pool)
    await broker.start()
    firing = asyncio.create_task(
        fire_as_configured(pool, js, settings),
        name="firing",
    )
    log.info("expiry started")
    try:
        await stop.wait()
    finally:
        firing.cancel()
        await asyncio.gather(firing, return_exceptions=True)
        await broker.stop()
        await client.close()
        await pool.close()


def run() -> None:
    settings = ExpirySettings()
    run_service("expiry", settings, lambda stop: serve(settings, stop))
