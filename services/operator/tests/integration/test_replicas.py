"""Crashes and replicas: a launch survives kill -9, and of two replicas only the leader acts."""

from __future__ import annotations

import asyncio

import pytest
from services.operator.tests.integration.driving import World, launch_event, namespace_of

from orchestra_operator.cluster import NAMESPACES, WORKSHOPS
from orchestra_shared import subjects

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def commands_settled(world: World) -> bool:
    """Every command was handled and acknowledged (none pending, none in flight)."""
    info = await world.js.consumer_info(subjects.STREAM, subjects.OPERATOR_COMMANDS.durable)
    return bool(info.num_pending == 0 and info.num_ack_pending == 0)


async def test_a_launch_interrupted_by_kill_9_completes_once_after_restart(world: World) -> None:
    operator = await world.start_leader("crashy", lease_name="restart")
    event = launch_event()
    await world.publish(event)
    # The operator has the launch in hand as soon as the learner's namespace appears.
    await world.wait_for(
        lambda: world.kube.get(NAMESPACES, namespace_of(event)),
        until=lambda body: body is not None,
        what="the launch to be received",
    )
    await operator.kill()

    await operator.start()
    await world.wait_for_phase(event, "Ready")

    await world.wait_for(lambda: commands_settled(world), until=bool, what="the launch acked")
    found = await world.kube.list(WORKSHOPS, fields=f"metadata.name={event.instance}")
    assert len(found) == 1
    told = [e["message"] for e in await world.events_of(event)]
    assert sum(f"by launch {event.event_id}" in message for message in told) <= 1
    await operator.stop()


async def test_two_replicas_only_the_leader_acts_and_the_other_takes_over(world: World) -> None:
    replicas = {name: world.operator(name, lease_name="pair") for name in ("left", "right")}
    await asyncio.gather(*(process.start() for process in replicas.values()))
    leader = await world.wait_for(
        lambda: world.lease_holder("pair"), until=lambda holder: holder in replicas, what="a leader"
    )
    assert leader is not None
    follower = next(name for name in replicas if name != leader)

    first = launch_event()
    await world.publish(first)
    await world.wait_for_phase(first, "Ready")
    events = await world.events_of(first)
    assert {e["reportingInstance"] for e in events} == {leader}
    # One Event names the children created (all three), not two.
    assert sum(f"Deployment {first.instance} created" in e["message"] for e in events) == 1

    await replicas[leader].kill()
    await world.wait_for(
        lambda: world.lease_holder("pair"),
        until=lambda holder: holder == follower,
        what="the follower to take over",
    )
    second = launch_event()
    await world.publish(second)
    await world.wait_for_phase(second, "Ready")
    assert {e["reportingInstance"] for e in await world.events_of(second)} == {follower}
    assert replicas[follower].running
    await replicas[follower].stop()


async def test_sigterm_stops_the_operator_in_order_and_it_exits_cleanly(world: World) -> None:
    """Kopf takes SIGTERM for itself once running: then it waited five seconds for the
    command consumer, cancelled it and re-raised its error, and the process died with a
    traceback (or was killed first). The operator's own stop must run: commands, Kopf,
    the Lease handed back, exit 0."""
    operator = await world.start_leader("stopping", lease_name="stopping")
    event = launch_event()
    await world.publish(event)
    await world.wait_for_phase(event, "Ready")
    operator.stop_grace = 60  # ample: the point is that it exits by itself, and how
    await operator.stop()
    assert operator.returncode == 0, operator.log_tail()
    log = operator.log_path.read_text()
    assert "Traceback" not in log
    assert "leadership released" in log
    assert "operator stopped" in log
    assert await world.lease_holder("stopping") != "stopping"
