"""Two replicas against one database and stream: one history row and one event per transition."""

from __future__ import annotations

import asyncpg
from nats.js import JetStreamContext
from services.sync.tests.integration.conftest import SettingsFactory, SyncRun
from services.sync.tests.integration.operating import FakeOperator
from services.sync.tests.integration.probing import (
    eventually,
    history,
    insert_instance,
    status_events,
    wait_for_history,
    wait_for_phase,
)

PHASES = [("Pending", "Creating"), ("Provisioning", "Starting"), ("Ready", None)]


async def test_two_replicas_record_and_announce_each_transition_once(
    pool: asyncpg.Pool,
    operator: FakeOperator,
    js: JetStreamContext,
    sync_settings: SettingsFactory,
    replicas: list[SyncRun],
) -> None:
    names = [f"ws-{i}" for i in range(8)]
    for name in names:
        await insert_instance(pool, name)
    replicas.append(SyncRun(sync_settings()).start())
    replicas.append(SyncRun(sync_settings()).start())
    for name in names:
        operator.create(name)
        operator.move(name, "Pending", reason="Creating")
    for name in names:
        await wait_for_phase(pool, name, "Pending")
    for phase, reason in PHASES[1:]:
        for name in names:
            operator.move(name, phase, reason=reason)
    for name in names[:4]:
        operator.delete(name, reason="user")

    for name in names[4:]:
        await wait_for_history(pool, name, operator.went_through[name])
    for name in names[:4]:
        await wait_for_phase(pool, name, "Terminated")
        assert (await history(pool, name))[:3] == operator.went_through[name]
    transitions = len(names) * 3 + 4
    assert await pool.fetchval("SELECT count(*) FROM instance_history") == transitions

    await eventually(
        lambda: pool.fetchval("SELECT count(*) FROM sync_outbox WHERE published_at IS NULL"),
        lambda pending: pending == 0,
    )
    for run in replicas:
        await run.stop()
    events = await status_events(js)
    assert len(events) == transitions
    assert len({(e.instance, e.phase, e.transitioned_at) for e in events}) == transitions
