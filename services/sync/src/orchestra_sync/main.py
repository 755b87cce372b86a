"""Composition root of sync: watch Workshops, record each transition, announce it.

``serve`` wires the pieces: Postgres (waited for at start), the Workshop watch
(``watching``) feeding a ``Syncer`` (``observing`` → ``pipelining`` →
``recording``: different Workshops recorded concurrently), the outbox
relay (``orchestra_shared.relaying``) and the terminate-requests consumer (``subscribers``, ``remembering``),
which start whenever NATS answers, so sync records status even while NATS is
down, and the audit (``auditing``) of Workshops alive after their instance ended. On every (re)list, instances whose Workshop vanished while sync was not
watching are recorded as Terminated, once the remembered termination reasons
are up to date.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import aiohttp
import asyncpg
import nats.errors
from kubernetes_asyncio.client.exceptions import ApiException

from orchestra_shared.migrating import wait_for_schema
from orchestra_shared.reaping import reap_forever
from orchestra_shared.relaying import SYNC_OUTBOX, Relay, RelaySettings
from orchestra_shared.retrying import until_done
from orchestra_shared.running import run_service
from orchestra_sync.auditing import audit_forever
from orchestra_sync.config import SyncSettings
from orchestra_sync.connecting import backoff, connect_nats, connect_postgres
from orchestra_sync.forgetting import forget_ended
from orchestra_sync.metering import OUTBOX_SET_ASIDE
from orchestra_sync.recording import resume_point
from orchestra_sync.remembering import Terminations
from orchestra_sync.subscribers import build_broker
from orchestra_sync.syncing import DATABASE_ERRORS, Syncer
from orchestra_sync.watching import Handlers, connect, follow, workshop_names

log = logging.getLogger(__name__)


async def _messaging(
    settings: SyncSettings, pool: asyncpg.Pool, relay: Relay, terminations: Terminations
) -> None:
    """The outbox relay and the terminate requests consumer, once NATS answers."""
    client = await connect_nats(settings)
    broker = build_broker(settings, pool)
    try:
        await until_done(
            broker.start,
            retry_on=(nats.errors.Error, OSError),
            backoff=backoff(settings),
            what="nats (consumer)",
            log=log,
        )
        terminations.js = client.jetstream()
        await relay.run(client.jetstream())
    finally:
        terminations.js = None
        await broker.stop()
        await client.close()


async def _resume_point(pool: asyncpg.Pool, settings: SyncSettings) -> str | None:
    return await until_done(
        lambda: resume_point(pool),
        retry_on=DATABASE_ERRORS,
        backoff=backoff(settings),
        what="postgres",
        log=log,
    )


async def serve(settings: SyncSettings, stop: asyncio.Event) -> None:
    if not await wait_for_schema(settings.database_dsn, stop=stop):
        return
    pool = await connect_postgres(settings)
    resume_from = await _resume_point(pool, settings)
    api = await connect(settings)
    relay = Relay(pool, SYNC_OUTBOX, RelaySettings.of(settings), on_set_aside=OUTBOX_SET_ASIDE.inc)
    terminations = Terminations()
    syncer = Syncer(pool, settings, terminations=terminations, wake_relay=relay.wake)

    async def audited_names() -> list[str]:
        names, listed = await workshop_names(api)
        syncer.audited(names, listed)  # the vanished check sees it too
        return names

    tasks = [
        asyncio.create_task(
            follow(
                api,
                Handlers(
                    snapshot=syncer.on_snapshot, event=syncer.on_watched, settle=syncer.settle
                ),
                watch_timeout=settings.watch_timeout,
                backoff_max=settings.backoff_max,
                backoff_min=settings.backoff_min,
                resume_from=resume_from,
            ),
            name="watch",
        ),
        asyncio.create_task(syncer.reconcile_vanished_forever(), name="vanished"),
        asyncio.create_task(_messaging(settings, pool, relay, terminations), name="messaging"),
        asyncio.create_task(
            audit_forever(
                pool,
                audited_names,
                interval=settings.audit_interval,
                grace=settings.audit_grace,
                clock=lambda: datetime.now(UTC),
                errors=(*DATABASE_ERRORS, ApiException, aiohttp.ClientError),
            ),
            name="audit",
        ),
        asyncio.create_task(
            reap_forever(
                "history",
                lambda: forget_ended(
                    pool,
                    keep_for=settings.retention.history,
                    now=datetime.now(UTC),
                    batch=settings.retention.reap_batch,
                ),
                interval=settings.retention.reap_interval,
            ),
            name="history-reaper",
        ),
    ]
    stopping = asyncio.create_task(stop.wait(), name="stop")
    log.info("sync started")
    try:
        done, _ = await asyncio.wait([stopping, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not stopping:
                task.result()  # a loop that ended by itself is a bug: surface it
                raise RuntimeError(f"sync task {task.get_name()} ended")
    finally:
        for task in [stopping, *tasks]:
            task.cancel()
        await asyncio.gather(stopping, *tasks, return_exceptions=True)
        await syncer.abandon()
        await api.close()
        try:
            await asyncio.wait_for(pool.close(), timeout=settings.shutdown_timeout)
        except TimeoutError:
            log.warning("connections still busy at shutdown; terminating them")
            pool.terminate()


def run() -> None:
    settings = SyncSettings()
    # The lag histogram (``metering.LAG``) is in the default registry served on /metrics.
    run_service("sync", settings, lambda stop: serve(settings, stop))
