"""Concurrent recording against a real Postgres: commits in watch order, failures hold the line.

Events are fed to a ``Syncer``'s pipeline as a watch would; a row held locked
by the test stands in for a slow or failing write of one Workshop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest_asyncio
from services.sync.tests.integration.conftest import SettingsFactory, SyncRun
from services.sync.tests.integration.operating import FakeOperator
from services.sync.tests.integration.probing import (
    eventually,
    history,
    insert_instance,
    phases,
    wait_for_history,
)

from orchestra_devstack.cluster.serving import EmulatedCluster
from orchestra_sync.errors import Unavailable
from orchestra_sync.recording import resume_point
from orchestra_sync.syncing import Syncer

NAMES = ["ws-a", "ws-b", "ws-c"]


@pytest_asyncio.fixture
async def impatient_pool(dsn: str) -> AsyncIterator[asyncpg.Pool]:
    """Gives up on a locked row after 0.2 s, as sync's pool does after ``lock_timeout``."""
    pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=8, server_settings={"lock_timeout": "200"}
    )
    try:
        yield pool
    finally:
        await pool.close()


async def pending_workshops(
    pool: asyncpg.Pool, cluster: EmulatedCluster, operator: FakeOperator
) -> list[dict[str, Any]]:
    """One MODIFIED body per Workshop, in watch (resourceVersion) order."""
    bodies = []
    for name in NAMES:
        await insert_instance(pool, name)
        operator.create(name)
        operator.move(name, "Pending")
        bodies.append(cluster.store.get(operator.definition, "orchestra-u-test", name))
    return bodies


def version(body: dict[str, Any]) -> str:
    return str(body["metadata"]["resourceVersion"])


async def test_a_later_workshop_commits_only_after_an_earlier_slow_one(
    pool: asyncpg.Pool,
    cluster: EmulatedCluster,
    operator: FakeOperator,
    sync_settings: SettingsFactory,
) -> None:
    bodies = await pending_workshops(pool, cluster, operator)
    syncer = Syncer(pool, sync_settings(record_concurrency=4))
    async with pool.acquire() as blocker, blocker.transaction():
        await blocker.execute("SELECT 1 FROM instances WHERE name = 'ws-b' FOR UPDATE")
        for body in bodies:
            await syncer.on_watched("MODIFIED", body)
        await eventually(lambda: phases(pool, "ws-a"), lambda p: p == ["Pending"])
        await asyncio.sleep(0.3)  # give ws-c every chance to commit out of order
        assert await phases(pool, "ws-c") == []
        assert await resume_point(pool) == version(bodies[0])
    settled = await syncer.settle()
    assert (settled.version, settled.failure) == (version(bodies[2]), None)
    for name in NAMES:
        assert await history(pool, name) == operator.went_through[name]
    assert await resume_point(pool) == version(bodies[2])


async def test_a_failed_write_holds_the_resume_point_and_is_retried(
    impatient_pool: asyncpg.Pool,
    cluster: EmulatedCluster,
    operator: FakeOperator,
    sync_settings: SettingsFactory,
) -> None:
    pool = impatient_pool
    bodies = await pending_workshops(pool, cluster, operator)
    syncer = Syncer(pool, sync_settings(record_concurrency=4))
    async with pool.acquire() as blocker, blocker.transaction():
        await blocker.execute("SELECT 1 FROM instances WHERE name = 'ws-b' FOR UPDATE")
        for body in bodies:
            await syncer.on_watched("MODIFIED", body)
        settled = await syncer.settle()
    assert isinstance(settled.failure, Unavailable)
    assert settled.version == version(bodies[0])  # not past ws-b, though ws-c was ready
    assert await phases(pool, "ws-b") == []
    assert await phases(pool, "ws-c") == []
    assert await resume_point(pool) == version(bodies[0])

    for body in bodies:  # the watch resumes from the resume point: ws-a is replayed
        await syncer.on_watched("MODIFIED", body)
    settled = await syncer.settle()
    assert (settled.version, settled.failure) == (version(bodies[2]), None)
    for name in NAMES:
        assert await history(pool, name) == operator.went_through[name]


async def test_a_burst_of_many_workshops_is_recorded_completely_and_in_order(
    pool: asyncpg.Pool,
    operator: FakeOperator,
    sync_settings: SettingsFactory,
    replicas: list[SyncRun],
) -> None:
    names = [f"burst-{index:02}" for index in range(40)]
    for name in names:
        await insert_instance(pool, name)
    replicas.append(SyncRun(sync_settings(record_concurrency=8)).start())
    for name in names:
        operator.create(name)
    for phase in ["Pending", "Provisioning", "Ready"]:
        for name in names:
            operator.move(name, phase)
    for name in names:
        await wait_for_history(pool, name, operator.went_through[name])
