"""Sync starts before Postgres and NATS, and waits; nothing recorded is lost or announced twice."""

from __future__ import annotations

import asyncpg
from nats.js import JetStreamContext
from services.sync.tests.integration.conftest import SettingsFactory, SyncRun
from services.sync.tests.integration.operating import OWNER, FakeOperator
from services.sync.tests.integration.probing import (
    eventually,
    history,
    insert_instance,
    row,
    status_events,
    wait_for_history,
    wait_for_phase,
)

from orchestra_devstack.natsservers import NatsServer
from orchestra_devstack.postgresservers import start_postgres
from orchestra_shared import subjects
from orchestra_shared.events import TerminateRequested, encode_event
from orchestra_shared.migrating import upgrade_database_async


async def test_sync_waits_for_postgres_and_nats_then_records_and_announces(
    operator: FakeOperator,
    nats_server: NatsServer,
    js: JetStreamContext,
    sync_settings: SettingsFactory,
    replicas: list[SyncRun],
) -> None:
    postgres = await start_postgres()
    try:
        await upgrade_database_async(postgres.dsn)
        pool = await asyncpg.create_pool(postgres.dsn, min_size=0, max_size=2)
        await insert_instance(pool, "late")
        await pool.close()
        await postgres.stop()
        await nats_server.stop()

        replicas.append(SyncRun(sync_settings(database_dsn=postgres.dsn)).start())
        operator.create("late")
        for phase in ["Pending", "Provisioning", "Ready"]:
            operator.move("late", phase)
        await postgres.start()
        pool = await asyncpg.create_pool(postgres.dsn, min_size=0, max_size=2)
        try:
            await wait_for_history(pool, "late", operator.went_through["late"])
            assert (
                await pool.fetchval("SELECT count(*) FROM sync_outbox WHERE published_at IS NULL")
                == 3
            )  # recorded while NATS is down, announced later

            await nats_server.start()
            events = await eventually(lambda: status_events(js), lambda e: len(e) >= 3)
            assert [(e.phase, e.transitioned_at) for e in events] == await history(pool, "late")
        finally:
            await pool.close()
    finally:
        for run in replicas:
            await run.crash()
        await postgres.close()


async def test_a_launch_terminated_before_sync_ever_saw_its_workshop_ends_terminated(
    pool: asyncpg.Pool,
    js: JetStreamContext,
    sync_settings: SettingsFactory,
    replicas: list[SyncRun],
) -> None:
    """Created and deleted while sync was away: only the terminate request is left to tell."""
    await insert_instance(pool, "brief")
    await insert_instance(pool, "queued")  # launched, not terminated: may still be coming
    request = TerminateRequested(instance="brief", owner=OWNER, reason="user")
    await js.publish(subjects.TERMINATE_REQUESTED, encode_event(request))
    replicas.append(SyncRun(sync_settings()).start())

    await wait_for_phase(pool, "brief", "Terminated")
    assert await history(pool, "brief") == [("Terminated", request.occurred_at)]
    assert (await row(pool, "brief"))["reason"] == "user"
    assert (await row(pool, "queued"))["phase"] == "Requested"
