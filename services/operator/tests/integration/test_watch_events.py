"""Each watch event costs only what it can have changed: counted at the emulated API server.

The operator here never runs its periodic full reconcile (``steady_interval`` of an
hour), so whatever it repairs, it repairs from the event that reported it. The counts
are those the emulated cluster served (``EmulatedCluster.requests``); the test itself
reads only Workshops and the children it checks, after the counts are taken.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from services.operator.tests.integration.driving import World, launch_event, namespace_of

from orchestra_operator.cluster import DEPLOYMENTS, NETWORK_POLICIES, SERVICES
from orchestra_shared.events import ExtendRequested

pytestmark = pytest.mark.asyncio(loop_scope="module")
CHILD_READS = (
    "get services",
    "get networkpolicies",
    "get persistentvolumeclaims",
    "get ingresses",
    "get resourcequotas",
    "get limitranges",
)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def quiet(world: World) -> AsyncIterator[World]:
    """One operator, leading, that reconciles only on watch events (and timeouts)."""
    process = await world.start_leader("quiet", steady_interval="3600")
    yield world
    await process.stop()


def served(world: World) -> dict[str, int]:
    return dict(world.cluster.requests)


def transitions(workshop: dict[str, Any] | None) -> list[str]:
    status = (workshop or {}).get("status") or {}
    return [entry.get("reason") or entry["phase"] for entry in status.get("transitions") or []]


async def test_a_fresh_launch_creates_its_objects_without_reading_them(quiet: World) -> None:
    quiet.cluster.requests.clear()
    event = launch_event()
    await quiet.publish(event)
    await quiet.wait_for_phase(event, "Ready")
    await quiet.wait_for(  # the phase's Event comes after the phase
        lambda: quiet.event_reasons(event),
        until=lambda reasons: "Ready" in reasons,
        what="the Ready Event",
    )

    counts = served(quiet)
    assert {read: counts.get(read, 0) for read in CHILD_READS} == dict.fromkeys(CHILD_READS, 0)
    assert counts.get("post networkpolicies") == 2  # the namespace's default deny and the own
    # Two Events in all: the launch and its children are told in the first phase's.
    assert counts.get("post events") == 2  # Provisioning (launch and children), Ready
    assert counts.get("get namespaces", 0) == 0  # a new learner's namespace is created unread
    stories = [e["message"] for e in await quiet.events_of(event)]
    assert sum("Deployment" in story and "created" in story for story in stories) == 1


async def test_a_deployment_status_event_reads_none_of_the_other_children(quiet: World) -> None:
    event = launch_event()
    await quiet.publish(event)
    await quiet.wait_for_phase(event, "Ready")
    namespace = namespace_of(event)
    quiet.cluster.requests.clear()

    # The node lost the pod: the Deployment reports it, and the phase must follow.
    await quiet.kube.patch(
        DEPLOYMENTS,
        event.instance,
        {"status": {"availableReplicas": 0, "readyReplicas": 0}},
        namespace,
        status=True,
    )
    await quiet.wait_for(
        lambda: quiet.workshop(event),
        until=lambda body: "Restarting" in transitions(body),
        what="the restart to be reported",
    )

    counts = served(quiet)
    assert {read: counts.get(read, 0) for read in CHILD_READS} == dict.fromkeys(CHILD_READS, 0)
    assert counts.get("get deployments", 0) == 0  # the event carried it


async def test_a_drifted_child_is_restored_from_its_own_event(quiet: World) -> None:
    event = launch_event()
    await quiet.publish(event)
    await quiet.wait_for_phase(event, "Ready")
    namespace = namespace_of(event)
    quiet.cluster.requests.clear()

    wrong = {"spec": {"ports": [{"name": "http", "port": 9999, "targetPort": 9999}]}}
    await quiet.kube.patch(SERVICES, event.instance, wrong, namespace)

    async def ports() -> list[int]:
        body = await quiet.kube.get(SERVICES, event.instance, namespace)
        return [port["port"] for port in (body or {}).get("spec", {}).get("ports", [])]

    after = await quiet.wait_for(
        lambda: _after_repair(quiet, event),
        until=lambda counts: counts is not None,
        what="a Repaired event",
    )
    assert after is not None
    assert {read: after.get(read, 0) for read in CHILD_READS} == dict.fromkeys(CHILD_READS, 0)
    assert after.get("patch services") == 2  # ours, then the repair
    assert 9999 not in await ports()
    repaired = [e["message"] for e in await quiet.events_of(event) if e["reason"] == "Repaired"]
    assert repaired == [f"Service {event.instance} repaired after drift"]


async def _after_repair(world: World, event: Any) -> dict[str, int] | None:
    """The counts once the repair's Event is there (it comes after the repair), or None."""
    if "Repaired" not in await world.event_reasons(event):
        return None
    return served(world)


async def test_a_deleted_child_is_recreated_from_its_own_event(quiet: World) -> None:
    event = launch_event()
    await quiet.publish(event)
    await quiet.wait_for_phase(event, "Ready")
    namespace = namespace_of(event)
    policy = await quiet.kube.get(NETWORK_POLICIES, event.instance, namespace)
    assert policy is not None
    quiet.cluster.requests.clear()

    await quiet.kube.delete(NETWORK_POLICIES, event.instance, namespace)

    counts = await quiet.wait_for(
        lambda: _after_repair(quiet, event),
        until=lambda counts: counts is not None,
        what="a Repaired event",
    )
    assert counts is not None
    assert counts.get("get services", 0) == 0  # its siblings were not read
    assert counts.get("get deployments", 0) == 0
    recreated = await quiet.kube.get(NETWORK_POLICIES, event.instance, namespace)
    assert recreated is not None
    assert recreated["metadata"]["uid"] != policy["metadata"]["uid"]
    repaired = [e["message"] for e in await quiet.events_of(event) if e["reason"] == "Repaired"]
    assert repaired == [f"NetworkPolicy {event.instance} created after drift"]


async def test_a_changed_spec_is_followed_from_the_workshops_own_event(quiet: World) -> None:
    event = launch_event()
    await quiet.publish(event)
    await quiet.wait_for_phase(event, "Ready")
    later = event.expires_at + timedelta(hours=1)
    quiet.cluster.requests.clear()

    extension = ExtendRequested(
        instance=event.instance, owner=event.owner, expires_at=later, extension=1
    )
    await quiet.publish(extension)

    def deadline(body: dict[str, Any] | None) -> str | None:
        return ((body or {}).get("status") or {}).get("expiresAt")

    await quiet.wait_for(
        lambda: quiet.workshop(event),
        until=lambda body: deadline(body) == later.strftime("%Y-%m-%dT%H:%M:%SZ"),
        what="status.expiresAt to follow the spec",
    )
    # A new spec: every child is checked again (read), none needed repair.
    counts = served(quiet)
    assert counts.get("get services", 0) >= 1
    assert "Repaired" not in await quiet.event_reasons(event)
