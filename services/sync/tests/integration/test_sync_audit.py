"""The audit: a Workshop alive after its instance ended is asked to terminate, and counted.

Its list also catches the opposite: an instance whose Workshop is gone though
the watch never said so is recorded as Terminated.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from prometheus_client import REGISTRY
from services.sync.tests.integration.conftest import SettingsFactory, SyncRun
from services.sync.tests.integration.operating import FakeOperator
from services.sync.tests.integration.probing import (
    eventually,
    insert_instance,
    phases,
    row,
    wait_for_phase,
)

from orchestra_shared import subjects
from orchestra_shared.events import TerminateRequested, parse_event
from orchestra_sync.auditing import AUDITOR

NAME = "rstudio-1122-abc234"
HEALTHY = "rstudio-1122-hlt234"


async def terminate_requests(js: JetStreamContext) -> list[TerminateRequested]:
    """Every ``terminate requested`` in the stream, in stream order."""
    info = await js.stream_info(subjects.STREAM, subjects_filter=subjects.TERMINATE_REQUESTED)
    count = (info.state.subjects or {}).get(subjects.TERMINATE_REQUESTED, 0)
    if not count:
        return []
    subscription = await js.pull_subscribe(
        subjects.TERMINATE_REQUESTED,
        stream=subjects.STREAM,
        config=ConsumerConfig(
            ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=5
        ),
    )
    found: list[TerminateRequested] = []
    try:
        while len(found) < count:
            for message in await subscription.fetch(count - len(found), timeout=30):
                event = parse_event(message.data)
                assert isinstance(event, TerminateRequested)
                found.append(event)
    finally:
        await subscription.unsubscribe()
    return found


def orphans_counted() -> float:
    return REGISTRY.get_sample_value("orchestra_sync_audit_orphans_total") or 0.0


async def counted_orphans() -> float:
    return orphans_counted()


def audited(settings: SettingsFactory) -> SyncRun:
    return SyncRun(settings(audit_interval=0.3, audit_grace=1.0)).start()


async def test_a_workshop_created_again_after_its_instance_terminated_is_asked_to_end(
    pool: asyncpg.Pool,
    operator: FakeOperator,
    js: JetStreamContext,
    sync_settings: SettingsFactory,
    replicas: list[SyncRun],
) -> None:
    await insert_instance(pool, NAME)
    before = orphans_counted()
    replicas.append(audited(sync_settings))
    operator.create(NAME)
    operator.move(NAME, "Ready")
    await wait_for_phase(pool, NAME, "Ready")
    operator.delete(NAME, reason="user")
    await wait_for_phase(pool, NAME, "Terminated")
    assert await terminate_requests(js) == []

    operator.create(NAME)  # a stray redelivery of the launch builds it again
    [request] = await eventually(lambda: terminate_requests(js), lambda found: len(found) >= 1)
    assert (request.instance, request.owner) == (NAME, "ada@example.org")
    assert request.requested_by == AUDITOR
    # Counted just after the outbox commit, which the relay may publish first.
    await eventually(counted_orphans, lambda counted: counted > before)


async def test_a_workshop_past_its_deadline_plus_grace_is_asked_to_end_and_no_other(
    pool: asyncpg.Pool,
    operator: FakeOperator,
    js: JetStreamContext,
    sync_settings: SettingsFactory,
    replicas: list[SyncRun],
) -> None:
    await insert_instance(pool, NAME)
    await insert_instance(pool, HEALTHY, owner="grace@example.org")
    for name in (NAME, HEALTHY):
        operator.create(name)
        operator.move(name, "Ready")
    # Expiry is down and the operator's own rule has not acted: only the audit is left.
    past = datetime.now(UTC) - timedelta(minutes=5)
    await pool.execute("UPDATE instances SET expires_at = $2 WHERE name = $1", NAME, past)
    replicas.append(audited(sync_settings))

    found = await eventually(lambda: terminate_requests(js), lambda found: len(found) >= 2)
    # Two rounds have run over both Workshops: the healthy one was never asked.
    assert {(r.instance, r.reason) for r in found} == {(NAME, "expired")}


async def test_a_terminate_request_not_carried_out_is_asked_again(
    pool: asyncpg.Pool,
    operator: FakeOperator,
    js: JetStreamContext,
    sync_settings: SettingsFactory,
    replicas: list[SyncRun],
) -> None:
    """The learner ended it, but the operator dead-lettered the terminate."""
    await insert_instance(pool, NAME)
    operator.create(NAME)
    operator.move(NAME, "Ready")
    await pool.execute(
        """INSERT INTO termination_requests (instance, reason, requested_by, requested_at, event_id)
           VALUES ($1, 'user', 'ada@example.org', now() - interval '10 minutes', gen_random_uuid())""",
        NAME,
    )
    replicas.append(audited(sync_settings))
    [request, *_] = await eventually(lambda: terminate_requests(js), lambda found: len(found) >= 1)
    assert (request.instance, request.reason, request.requested_by) == (NAME, "user", AUDITOR)


async def test_a_deletion_the_watch_missed_is_recorded_from_the_audits_list(
    pool: asyncpg.Pool,
    operator: FakeOperator,
    sync_settings: SettingsFactory,
    replicas: list[SyncRun],
) -> None:
    """No relist ever comes (the watch is healthy), yet the instance does not stay Ready."""
    await insert_instance(pool, NAME)
    await insert_instance(pool, HEALTHY, owner="grace@example.org")
    replicas.append(audited(sync_settings))
    for name in (NAME, HEALTHY):
        operator.create(name)
        operator.move(name, "Ready")
        await wait_for_phase(pool, name, "Ready")
    operator.lose(NAME)

    await wait_for_phase(pool, NAME, "Terminated")
    assert (await row(pool, NAME))["reason"] == "vanished"
    assert await phases(pool, HEALTHY) == ["Ready"]
