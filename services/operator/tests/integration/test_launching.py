"""A launch command becomes a Ready workshop in the learner's own, fenced namespace."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from services.operator.tests.integration.driving import (
    BASE_DOMAIN,
    World,
    launch_event,
    namespace_of,
    new_owner,
)

from orchestra_operator.cluster import (
    DEPLOYMENTS,
    INGRESSES,
    LIMIT_RANGES,
    NAMESPACES,
    NETWORK_POLICIES,
    QUOTAS,
    SERVICES,
    WORKSHOPS,
)
from orchestra_operator.pod_security import pod_spec_of, violations
from orchestra_shared import labels
from orchestra_shared.events import TerminateRequested
from orchestra_shared.owners import owner_hash

pytestmark = pytest.mark.asyncio(loop_scope="module")
KUBECTL = Path(sys.executable).parent / "kubectl"


async def test_a_launch_becomes_ready_in_the_learners_fenced_namespace(operator: World) -> None:
    world = operator
    event = launch_event()
    namespace = namespace_of(event)
    await world.publish(event)

    workshop = await world.wait_for_phase(event, "Ready")

    assert workshop["status"]["url"] == f"http://{event.instance}.{BASE_DOMAIN}/"
    assert workshop["metadata"]["annotations"][labels.LAUNCH_EVENT] == str(event.event_id)
    logged = [entry["phase"] for entry in workshop["status"]["transitions"]]
    assert logged[-1] == "Ready"
    assert "Provisioning" in logged
    ns = await world.kube.get(NAMESPACES, namespace)
    assert ns is not None
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert ns["metadata"]["labels"][labels.OWNER_HASH] == owner_hash(event.owner)
    assert await world.kube.get(QUOTAS, "learner-quota", namespace) is not None
    assert await world.kube.get(LIMIT_RANGES, "learner-limits", namespace) is not None
    deny = await world.kube.get(NETWORK_POLICIES, "default-deny", namespace)
    assert deny is not None
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    uid = workshop["metadata"]["uid"]
    for kind in (DEPLOYMENTS, SERVICES, NETWORK_POLICIES):
        child = await world.kube.get(kind, event.instance, namespace)
        assert child is not None, kind
        assert [ref["uid"] for ref in child["metadata"]["ownerReferences"]] == [uid]
    # Shared mode (the default): the platform's wildcard Ingress reaches the gate, and the
    # workshop accepts traffic from the gate's pods only.
    assert await world.kube.get(INGRESSES, event.instance, namespace) is None
    policy = await world.kube.get(NETWORK_POLICIES, event.instance, namespace)
    assert policy is not None
    assert policy["spec"]["ingress"][0]["from"][0]["podSelector"] == {
        "matchLabels": {"app.kubernetes.io/name": "orchestra-gate"}
    }
    reasons = [e["reason"] for e in await world.wait_for_event(event, "Ready")]
    assert reasons[0] == "Provisioning"
    assert "Ready" in reasons
    # The first phase's Event tells the launch and each child it created (no Events of
    # their own).
    provisioning = [
        e["message"] for e in await world.events_of(event) if e["reason"] == "Provisioning"
    ]
    assert provisioning == [
        f"launched from template {event.template_slug} by launch {event.event_id}; "
        f"waiting for the workshop to start; NetworkPolicy {event.instance} created, "
        f"Service {event.instance} created, Deployment {event.instance} created"
    ]

    metrics = await world.metrics("solo")
    assert metrics['orchestra_operator_commands_total{outcome="done",type="launch"}'] >= 1
    assert metrics['orchestra_operator_phase_changes_total{phase="Ready",reason=""}'] >= 1
    assert metrics["orchestra_operator_reconcile_duration_seconds_count{}"] >= 1


async def test_a_tier_places_the_workshop_from_the_settings(operator: World) -> None:
    event = launch_event(template="jupyter-large")
    await operator.publish(event)
    await operator.wait_for_phase(event, "Ready")
    deployment = await operator.kube.get(DEPLOYMENTS, event.instance, namespace_of(event))
    assert deployment is not None
    pod = deployment["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"orchestra.io/pool": "large"}
    assert pod["tolerations"] == [
        {"key": "orchestra.io/large", "operator": "Exists", "effect": "NoSchedule"}
    ]
    assert pod["priorityClassName"] == "workshop-large"


async def test_kubectl_describe_tells_the_story(operator: World) -> None:
    event = launch_event()
    await operator.publish(event)
    await operator.wait_for_phase(event, "Ready")
    # Asynchronously: the emulated cluster answers kubectl from this very event loop.
    process = await asyncio.create_subprocess_exec(
        str(KUBECTL),
        f"--kubeconfig={operator.kubeconfig}",
        "describe",
        "ws",
        event.instance,
        "-n",
        namespace_of(event),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    text = output.decode()
    assert process.returncode == 0, text
    for line in ("launched from template", f"Deployment {event.instance} created", "Ready"):
        assert line in text, text


async def _enforced(world: World, namespace: str) -> dict[str, str]:
    found = await world.kube.get(NAMESPACES, namespace)
    assert found is not None
    return {
        key.removeprefix("pod-security.kubernetes.io/"): value
        for key, value in found["metadata"]["labels"].items()
        if key.startswith("pod-security.kubernetes.io/")
    }


async def test_the_learners_namespace_allows_baseline_only_while_a_root_init_workshop_lives(
    operator: World,
) -> None:
    world = operator
    owner = new_owner()
    plain = launch_event(owner=owner)
    await world.publish(plain)
    await world.wait_for_phase(plain, "Ready")
    namespace = namespace_of(plain)
    assert (await _enforced(world, namespace))["enforce"] == "restricted"

    rstudio = launch_event(template="root-init", owner=owner)
    await world.publish(rstudio)
    await world.wait_for_phase(rstudio, "Ready")
    labels_now = await _enforced(world, namespace)
    assert {labels_now[mode] for mode in ("enforce", "warn", "audit")} == {"baseline"}
    assert labels_now["enforce-version"] == "latest"
    deployment = await world.kube.get(DEPLOYMENTS, rstudio.instance, namespace)
    assert deployment is not None
    assert violations(pod_spec_of(deployment), "baseline") == []

    # Another restricted workshop meanwhile must not tighten it under the running RStudio.
    second = launch_event(owner=owner)
    await world.publish(second)
    await world.wait_for_phase(second, "Ready")
    assert (await _enforced(world, namespace))["enforce"] == "baseline"

    await world.publish(TerminateRequested(instance=rstudio.instance, owner=owner, reason="user"))
    await world.wait_until_gone(rstudio)
    labels_after = await world.wait_for(
        lambda: _enforced(world, namespace),
        until=lambda found: found["enforce"] == "restricted",
        what="the namespace to be restricted again",
    )
    assert {labels_after[mode] for mode in ("enforce", "warn", "audit")} == {"restricted"}
    assert await world.workshop(plain) is not None  # the other workshops keep running


async def test_a_terminate_after_the_workshop_went_another_way_still_settles_the_level(
    operator: World,
) -> None:
    world = operator
    owner = new_owner()
    keeper = launch_event(owner=owner)  # keeps the namespace from being swept as empty
    rstudio = launch_event(template="root-init", owner=owner)
    namespace = namespace_of(rstudio)
    await world.publish(keeper)
    await world.publish(rstudio)
    await world.wait_for_phase(rstudio, "Ready")
    assert (await _enforced(world, namespace))["enforce"] == "baseline"
    # Deleted outside the command path (the resync's deadline rule, an admin's kubectl).
    await world.kube.delete(WORKSHOPS, rstudio.instance, namespace)
    await world.wait_until_gone(rstudio)
    assert (await _enforced(world, namespace))["enforce"] == "baseline"

    await world.publish(
        TerminateRequested(instance=rstudio.instance, owner=rstudio.owner, reason="expired")
    )

    await world.wait_for(
        lambda: _enforced(world, namespace),
        until=lambda found: found["enforce"] == "restricted",
        what="the terminate to settle the namespace",
    )
