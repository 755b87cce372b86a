"""Live transitions: recorded with the cluster's time, in order, announced once each.

Also the replay rules against a real database: a duplicated or older watch
event adds no history and never moves an instance back.
"""

from __future__ import annotations

import asyncpg
from nats.js import JetStreamContext
from services.sync.tests.integration.conftest import SettingsFactory, SyncRun
from services.sync.tests.integration.operating import FakeOperator
from services.sync.tests.integration.probing import (
    ends_with,
    eventually,
    history,
    insert_instance,
    phases,
    row,
    status_events,
)

from orchestra_devstack.cluster.serving import EmulatedCluster
from orchestra_sync.observing import parse_time
from orchestra_sync.syncing import Syncer

NAME = "rstudio-1122-abc234"


async def test_transitions_are_recorded_with_cluster_times_and_announced_once(
    pool: asyncpg.Pool,
    operator: FakeOperator,
    js: JetStreamContext,
    sync_settings: SettingsFactory,
    replicas: list[SyncRun],
) -> None:
    await insert_instance(pool, NAME)
    replicas.append(SyncRun(sync_settings()).start())
    operator.create(NAME)
    for phase, reason in [("Pending", "Creating"), ("Provisioning", "Starting"), ("Ready", None)]:
        operator.move(NAME, phase, reason=reason)
        await eventually(lambda: phases(pool, NAME), ends_with(phase))
    operator.delete(NAME, reason="user")

    recorded = await eventually(lambda: history(pool, NAME), lambda h: len(h) == 4)
    went_through = operator.went_through[NAME]
    assert recorded[:3] == went_through  # the cluster's times, not when sync saw them
    assert recorded[3][0] == "Terminated"
    instance = await row(pool, NAME)
    assert (instance["phase"], instance["reason"]) == ("Terminated", "user")
    assert instance["ready_at"] == went_through[2][1]
    assert instance["url"] == f"https://{NAME}.workshops.example.org/"
    assert instance["cluster_expires_at"] is not None
    assert instance["conditions"] is not None

    events = await eventually(lambda: status_events(js), lambda e: len(e) >= 4)
    await replicas[0].stop()
    events = await status_events(js)
    assert [(e.phase, e.transitioned_at) for e in events] == recorded
    assert events[-1].reason == "user"
    assert events[2].url == f"https://{NAME}.workshops.example.org/"
    assert len({e.event_id for e in events}) == 4


async def test_duplicated_and_older_events_change_nothing(
    pool: asyncpg.Pool,
    cluster: EmulatedCluster,
    operator: FakeOperator,
    sync_settings: SettingsFactory,
) -> None:
    """Events are fed straight to a Syncer, as a watch that replays and reorders would."""
    await insert_instance(pool, NAME)
    lags: list[float] = []
    syncer = Syncer(pool, sync_settings(), lag=lags.append)
    operator.create(NAME)
    versions = []
    for phase in ["Pending", "Provisioning", "Ready"]:
        operator.move(NAME, phase)
        versions.append(cluster.store.get(operator.definition, "orchestra-u-test", NAME))
    pending, provisioning, ready = versions

    await syncer.on_event("MODIFIED", pending)
    await syncer.on_event("MODIFIED", pending)  # duplicate
    await syncer.on_event("MODIFIED", ready)
    await syncer.on_event("MODIFIED", provisioning)  # older, arrives late
    await syncer.on_event("MODIFIED", ready)  # duplicate again

    assert await history(pool, NAME) == operator.went_through[NAME]
    instance = await row(pool, NAME)
    assert instance["phase"] == "Ready"
    assert instance["observed_version"] == int(ready["metadata"]["resourceVersion"])
    assert await pool.fetchval("SELECT count(*) FROM sync_outbox") == 3
    assert len(lags) == 3  # the lag hook sees each recorded transition once
    assert all(lag >= 0 for lag in lags)


async def test_without_a_transition_log_the_latest_phase_is_still_recorded(
    pool: asyncpg.Pool, cluster: EmulatedCluster, sync_settings: SettingsFactory
) -> None:
    """An operator that writes no ``status.transitions``: each seen phase, at its condition's time."""
    operator = FakeOperator(cluster, log_transitions=False)
    await insert_instance(pool, NAME)
    syncer = Syncer(pool, sync_settings())
    operator.create(NAME)
    operator.move(NAME, "Pending")
    await syncer.on_event(
        "MODIFIED", cluster.store.get(operator.definition, "orchestra-u-test", NAME)
    )
    operator.move(NAME, "Provisioning")
    operator.move(NAME, "Ready")
    ready = cluster.store.get(operator.definition, "orchestra-u-test", NAME)
    await syncer.on_event("MODIFIED", ready)
    pending, _, ready_step = operator.went_through[NAME]
    assert await history(pool, NAME) == [pending, ready_step]  # the middle one was never seen
    assert parse_time(ready["status"]["phaseChangedAt"]) == ready_step[1]
