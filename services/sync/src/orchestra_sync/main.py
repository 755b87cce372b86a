"""Composition root of sync: watch Workshops, record each transition, announce it.

Postgres and NATS must answer at start (the launcher or Kubernetes restarts
the process otherwise); the Kubernetes watch is retried with backoff. On every (re)list, instances whose Workshop
vanished while sync was not watching are recorded as Terminated.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import nats
from nats.js import JetStreamContext

from orchestra_shared.streaming import ensure_stream
from orchestra_shared.telemetry import configure_logging
from orchestra_sync.config import SyncSettings
from orchestra_sync.observing import Observation, observe
from orchestra_sync.publishing import announce
from orchestra_sync.recording import record, vanished_instances
from orchestra_sync.watching import Handlers, connect, follow

log = logging.getLogger(__name__)


class Syncer:
    """Glue between the watch and the database; one per process."""

    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, settings: SyncSettings) -> None:
        self.pool = pool
        self.js = js
        self.settings = settings

    async def apply(self, observation: Observation | None) -> None:
        if observation is None:
            return
        transition = await record(self.pool, observation)
        if transition is not None:
            log.info(
                "transition recorded",
                extra={"workshop": transition.name, "phase": transition.phase},
            )
            try:
                await announce(self.js, self.pool, transition)
            except (nats.errors.Error, OSError, TimeoutError) as error:
                log.warning("could not announce a transition", extra={"error": repr(error)})

    async def on_event(self, kind: str, obj: dict[str, Any]) -> None:
        now = datetime.now(UTC)
        await self.apply(observe(obj, deleted=kind == "DELETED", now=now))

    async def on_snapshot(self, items: list[dict[str, Any]]) -> None:
        now = datetime.now(UTC)
        for obj in items:
            await self.apply(observe(obj, deleted=False, now=now))
        present = {obj["metadata"]["name"] for obj in items}
        cutoff = now - timedelta(seconds=self.settings.vanished_grace)
        for name in await vanished_instances(self.pool, present, cutoff):
            await self.apply(
                Observation(
                    name=name,
                    namespace=None,
                    phase="Terminated",
                    reason="vanished",
                    message="the workshop was deleted while sync was not watching",
                    url=None,
                    transitioned_at=now,
                    version=0,
                )
            )


async def serve(settings: SyncSettings, stop: asyncio.Event) -> None:
    pool = await asyncpg.create_pool(
        settings.database_dsn, min_size=1, max_size=settings.database_pool_size
    )
    client = await nats.connect(
        settings.nats_url, max_reconnect_attempts=-1, connect_timeout=settings.nats_connect_timeout
    )
    js = client.jetstream()
    await ensure_stream(js)
    api = await connect(settings)
    syncer = Syncer(pool, js, settings)
    task = asyncio.create_task(
        follow(
            api,
            Handlers(snapshot=syncer.on_snapshot, event=syncer.on_event),
            watch_timeout=settings.watch_timeout,
            backoff_max=settings.backoff_max,
        )
    )
    log.info("sync started")
    try:
        await stop.wait()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await api.close()
        await client.close()
        await pool.close()


def run() -> None:
    settings = SyncSettings()
    configure_logging("sync")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await serve(settings, stop)

    asyncio.run(main())
