"""Catching up: sync down while Workshops change and are deleted; Postgres down past a 410.

What the cluster went through while sync was away is replayed from each
Workshop's ``status.transitions``; a Workshop deleted meanwhile is recorded as
Terminated with the reason of its terminate request (remembered from NATS), or
``failed`` after a failure, or ``vanished`` when nobody asked.
"""

from __future__ import annotations

import logging

import asyncpg
import pytest
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

from orchestra_devstack.postgresservers import start_postgres
from orchestra_shared import subjects
from orchestra_shared.events import TerminateRequested, encode_event
from orchestra_shared.migrating import upgrade_database_async

SEEN_BEFORE = ["restarted", "expired", "failed", "removed"]


async def _run_until_pending_then_crash(
    pool: asyncpg.Pool, operator: FakeOperator, sync: SyncRun
) -> None:
    for name in [*SEEN_BEFORE, "unseen"]:
        await insert_instance(pool, name)
    sync.start()
    for name in SEEN_BEFORE:
        operator.create(name)
        operator.move(name, "Pending", reason="Creating")
    for name in SEEN_BEFORE:
        await wait_for_phase(pool, name, "Pending")
    await sync.crash()


async def _change_everything_while_down(
    operator: FakeOperator, js: JetStreamContext
) -> TerminateRequested:
    """Restart one, expire one (with its request on NATS), fail one, delete one, launch one."""
    for phase, reason in [
        ("Provisioning", "Starting"),
        ("Ready", None),
        ("Provisioning", "Restarting"),
        ("Ready", None),
    ]:
        operator.move("restarted", phase, reason=reason)
    operator.move("expired", "Provisioning")
    operator.move("expired", "Ready")
    request = TerminateRequested(instance="expired", owner=OWNER, reason="expired")
    await js.publish(
        subjects.TERMINATE_REQUESTED,
        encode_event(request),
        headers={"Nats-Msg-Id": str(request.event_id)},
    )
    operator.delete("expired", reason="expired")
    operator.move("failed", "Failed", reason="ErrImagePull", message="no such image")
    operator.delete("failed")  # the operator's retention cleanup: no annotation, no request
    operator.move("removed", "Ready")
    operator.delete("removed")  # kubectl delete by an admin: nobody says why
    operator.create("unseen")
    operator.move("unseen", "Pending")
    operator.move("unseen", "Ready")
    return request


async def _terminated(pool: asyncpg.Pool) -> int:
    count: int = await pool.fetchval("SELECT count(*) FROM instances WHERE phase = 'Terminated'")
    return count


async def _assert_announced_as_recorded(pool: asyncpg.Pool, js: JetStreamContext) -> None:
    expected = []
    for name in [*SEEN_BEFORE, "unseen"]:
        expected += [(name, phase, at) for phase, at in await history(pool, name)]
    events = await eventually(lambda: status_events(js), lambda e: len(e) >= len(expected))
    assert sorted((e.instance, e.phase, e.transitioned_at) for e in events) == sorted(expected)


async def test_a_restart_resumes_the_watch_and_replays_every_change_and_deletion(
    pool: asyncpg.Pool,
    operator: FakeOperator,
    js: JetStreamContext,
    sync_settings: SettingsFactory,
    replicas: list[SyncRun],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Down for less than the cluster keeps history: every step, deleted Workshops' too."""
    caplog.set_level(logging.INFO, logger="orchestra_sync")
    sync = SyncRun(sync_settings())
    replicas.append(sync)
    await _run_until_pending_then_crash(pool, operator, sync)
    await _change_everything_while_down(operator, js)
    sync.start()

    await eventually(lambda: _terminated(pool), lambda n: n == 3)
    for name in ["restarted", "unseen"]:
        await wait_for_history(pool, name, operator.went_through[name])
    for name, reason in [("expired", "expired"), ("failed", "failed"), ("removed", "deleted")]:
        recorded = await history(pool, name)
        assert recorded[:-1] == operator.went_through[name]
        assert recorded[-1][0] == "Terminated"
        assert recorded[-1][1] >= recorded[-2][1]
        assert (await row(pool, name))["reason"] == reason
    assert not await _logged(caplog, "relisting")  # resumed, not relisted
    await _assert_announced_as_recorded(pool, js)


@pytest.mark.parametrize("cluster", [5], indirect=True)
async def test_after_a_long_downtime_the_transition_logs_and_remembered_reasons_fill_the_gap(
    pool: asyncpg.Pool,
    operator: FakeOperator,
    js: JetStreamContext,
    sync_settings: SettingsFactory,
    replicas: list[SyncRun],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Down longer than the cluster keeps history: 410, relist, status.transitions, NATS.

    A Workshop deleted meanwhile is gone with its status: its last steps are lost,
    but it is Terminated for the reason its terminate request gave, at that time;
    without a request, it is Terminated as ``vanished``.
    """
    caplog.set_level(logging.INFO, logger="orchestra_sync")
    sync = SyncRun(sync_settings())
    replicas.append(sync)
    await _run_until_pending_then_crash(pool, operator, sync)
    request = await _change_everything_while_down(operator, js)
    sync.start()

    await eventually(lambda: _terminated(pool), lambda n: n == 3)
    for name in ["restarted", "unseen"]:
        await wait_for_history(pool, name, operator.went_through[name])
    assert await _logged(caplog, "watch resume point expired; relisting")
    expired = await history(pool, "expired")
    assert expired == [operator.went_through["expired"][0], ("Terminated", request.occurred_at)]
    # Deleted without a terminate request (retention cleanup, kubectl): nobody kept why.
    for name, reason in [("expired", "expired"), ("failed", "vanished"), ("removed", "vanished")]:
        recorded = await history(pool, name)
        assert recorded[0] == operator.went_through[name][0]
        assert recorded[-1][0] == "Terminated"
        assert (await row(pool, name))["reason"] == reason
    await _assert_announced_as_recorded(pool, js)


@pytest.mark.parametrize("cluster", [5], indirect=True)
async def test_a_postgres_outage_longer_than_the_event_log_loses_nothing(
    operator: FakeOperator,
    js: JetStreamContext,
    sync_settings: SettingsFactory,
    replicas: list[SyncRun],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Writes fail, the watch does not move past them; its resume point expires (410); relist."""
    caplog.set_level(logging.INFO, logger="orchestra_sync")
    postgres = await start_postgres()
    try:
        await upgrade_database_async(postgres.dsn)
        pool = await asyncpg.create_pool(postgres.dsn, min_size=0, max_size=2)
        names = [f"ws-{i}" for i in range(3)]
        for name in names:
            await insert_instance(pool, name)
        await pool.close()
        replicas.append(SyncRun(sync_settings(database_dsn=postgres.dsn)).start())
        for name in names:
            operator.create(name)
            operator.move(name, "Pending")

        pool = await asyncpg.create_pool(postgres.dsn, min_size=0, max_size=2)
        for name in names:
            await wait_for_phase(pool, name, "Pending")
        await pool.close()
        await postgres.stop()
        for name in names:  # far more changes than the cluster keeps for watches
            operator.move(name, "Provisioning")
            operator.move(name, "Ready")
        request = TerminateRequested(instance=names[0], owner=OWNER, reason="user")
        await js.publish(subjects.TERMINATE_REQUESTED, encode_event(request))
        operator.delete(names[0], reason="user")
        await eventually(lambda: _logged(caplog, "recording failed"), lambda seen: seen, timeout=30)
        await postgres.start()

        pool = await asyncpg.create_pool(postgres.dsn, min_size=0, max_size=2)
        try:
            for name in names[1:]:
                await wait_for_history(pool, name, operator.went_through[name])
            # Deleted during the outage and gone before the relist: its last steps went
            # with it, its reason survived in the terminate request.
            recorded = await eventually(lambda: history(pool, names[0]), lambda h: len(h) == 2)
            assert recorded == [
                operator.went_through[names[0]][0],
                ("Terminated", request.occurred_at),
            ]
            assert (await row(pool, names[0]))["reason"] == "user"
        finally:
            await pool.close()
        assert await _logged(caplog, "watch resume point expired; relisting")
    finally:
        for run in replicas:
            await run.crash()
        await postgres.close()


async def _logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(text in record.getMessage() for record in caplog.records)
