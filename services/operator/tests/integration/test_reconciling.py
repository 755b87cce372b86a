"""Level-based reconciling against a real API server: drift, failures, timeouts, cleanup."""

from __future__ import annotations

from datetime import timedelta

import pytest
from services.operator.tests.integration.driving import (
    FAILING_TEMPLATE_BY_REASON,
    GOOD_IMAGE,
    World,
    launch_event,
    namespace_of,
)

from orchestra_operator.cluster import DEPLOYMENTS, NAMESPACES, PVCS, SERVICES, WORKSHOPS
from orchestra_shared.events import TerminateRequested

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_child_deleted_by_hand_is_restored(operator: World) -> None:
    event = launch_event()
    await operator.publish(event)
    await operator.wait_for_phase(event, "Ready")
    namespace = namespace_of(event)
    service = await operator.kube.get(SERVICES, event.instance, namespace)
    assert service is not None

    await operator.kube.delete(SERVICES, event.instance, namespace)

    async def probe() -> str | None:
        body = await operator.kube.get(SERVICES, event.instance, namespace)
        return body["metadata"]["uid"] if body else None

    await operator.wait_for(
        probe,
        until=lambda uid: uid is not None and uid != service["metadata"]["uid"],
        what="the Service to be recreated",
    )
    await operator.wait_for(
        lambda: operator.event_reasons(event),
        until=lambda reasons: "Repaired" in reasons,
        what="a Repaired event",
    )


async def test_an_edited_deployment_image_is_restored(operator: World) -> None:
    event = launch_event()
    await operator.publish(event)
    await operator.wait_for_phase(event, "Ready")
    namespace = namespace_of(event)
    edited = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "workshop", "image": "registry.test/evil:1"}]}
            }
        }
    }
    await operator.kube.patch(DEPLOYMENTS, event.instance, edited, namespace)

    async def image() -> str | None:
        body = await operator.kube.get(DEPLOYMENTS, event.instance, namespace)
        return body["spec"]["template"]["spec"]["containers"][0]["image"] if body else None

    await operator.wait_for(image, until=lambda i: i == GOOD_IMAGE, what="image restored")
    events = await operator.wait_for_event(event, "Repaired")
    repaired = [e["message"] for e in events if e["reason"] == "Repaired"]
    assert any(f"Deployment {event.instance}" in message for message in repaired)
    await operator.wait_for_phase(event, "Ready")


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("ImagePullBackOff", "the image could not be pulled: Back-off pulling image"),
        ("CrashLoopBackOff", "the workshop keeps crashing on start: back-off"),
        ("Unschedulable", "0/1 nodes are available: 1 Insufficient cpu"),
    ],
)
async def test_each_failure_ends_failed_with_its_reason(
    operator: World, reason: str, says: str
) -> None:
    # Unschedulable never fixes itself, nor fails fast: the startup timeout ends it.
    event = launch_event(template=FAILING_TEMPLATE_BY_REASON[reason])
    await operator.publish(event)

    workshop = await operator.wait_for_phase(event, "Failed")

    status = workshop["status"]
    assert status["reason"] == reason
    assert says in status["message"]
    assert "pulled: the image could not be pulled" not in status["message"]
    assert status["conditions"][0]["status"] == "False"
    # The node is freed at once; the Workshop stays a while to say why.
    assert await operator.kube.get(DEPLOYMENTS, event.instance, namespace_of(event)) is None
    events = await operator.wait_for_event(event, "Failed")
    warnings = [e for e in events if e["type"] == "Warning"]
    assert [e["reason"] for e in warnings] == ["Failed"]


async def test_a_startup_timeout_fails_the_workshop_then_cleans_it_up(operator: World) -> None:
    event = launch_event(template="slow-start")
    await operator.publish(event)
    # No wait for Provisioning on the way: with a 1 s timeout and creation times in whole
    # seconds, a late first reconcile rightly writes Failed at once.
    failed = await operator.wait_for_phase(event, "Failed")
    assert failed["status"]["message"].startswith("not ready within 1s")

    await operator.wait_until_gone(event)
    reasons = await operator.event_reasons(event)
    assert reasons[-2:] == ["Failed", "CleaningUp"]


async def test_a_terminated_workshop_takes_its_children_with_it(operator: World) -> None:
    event = launch_event(template="jupyter-scratch")
    await operator.publish(event)
    await operator.wait_for_phase(event, "Ready")
    namespace = namespace_of(event)
    assert await operator.kube.get(PVCS, event.instance, namespace) is not None

    await operator.publish(
        TerminateRequested(instance=event.instance, owner=event.owner, reason="user")
    )

    await operator.wait_until_gone(event)
    for kind in (DEPLOYMENTS, SERVICES, PVCS):
        await operator.wait_for(
            lambda kind=kind: operator.kube.get(kind, event.instance, namespace),  # type: ignore[misc]
            until=lambda body: body is None,
            what=f"{kind.plural} to be collected",
        )
    assert "Terminating" in await operator.event_reasons(event)


async def test_empty_namespaces_go_after_the_grace_but_a_workspace_keeps_one(
    operator: World,
) -> None:
    plain = launch_event()
    keeper = launch_event(template="jupyter-workspace")
    for event in (plain, keeper):
        await operator.publish(event)
    for event in (plain, keeper):
        await operator.wait_for_phase(event, "Ready")
        await operator.publish(
            TerminateRequested(instance=event.instance, owner=event.owner, reason="expired")
        )
    for event in (plain, keeper):
        await operator.wait_until_gone(event)

    await operator.wait_for(
        lambda: operator.kube.get(NAMESPACES, namespace_of(plain)),
        until=lambda body: body is None,
        what="the empty namespace to be deleted",
    )
    # Swept in the same rounds as the other, so it had every chance to go too.
    assert await operator.kube.get(NAMESPACES, namespace_of(keeper)) is not None
    workspaces = await operator.kube.list(PVCS, namespace_of(keeper))
    assert [pvc["metadata"]["name"] for pvc in workspaces] == ["workspace-jupyter-workspace"]
    assert await operator.kube.list(WORKSHOPS, namespace_of(keeper)) == []


async def test_a_workshop_past_its_deadline_is_deleted_by_the_operator_itself(
    operator: World,
) -> None:
    # Nothing else will end it: no expiry runs in these tests, as when expiry is down.
    event = launch_event(expires_in=timedelta(seconds=3))
    await operator.publish(event)
    await operator.wait_for(
        lambda: operator.workshop(event), until=lambda body: body is not None, what="the launch"
    )

    await operator.wait_until_gone(event)
    # A reconcile already under way may still record its own Event after this one.
    assert "DeadlinePassed" in await operator.event_reasons(event)
