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
)

from orchestra_operator.cluster import (
    DEPLOYMENTS,
    INGRESSES,
    LIMIT_RANGES,
    NAMESPACES,
    NETWORK_POLICIES,
    QUOTAS,
    SERVICES,
)
from orchestra_shared import labels
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
    reasons = await world.event_reasons(event)
    assert reasons[0] == "Launched"
    assert {"Created", "Ready"} <= set(reasons)
    assert reasons.count("Created") == 3  # NetworkPolicy, Service, Deployment

    metrics = await world.metrics("solo")
    assert metrics['orchestra_operator_commands_total{outcome="done",type="launch"}'] >= 1
    assert metrics['orchestra_operator_phase_changes_total{phase="Ready",reason=""}'] >= 1
    assert metrics["orchestra_operator_reconcile_duration_seconds_count{}"] >= 1


async def test_a_tier_places_the_workshop_from_the_settings(operator: World) -> None:
    event = launch_event(tier="large")
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
    for line in ("Launched", f"Deployment {event.instance} created", "Ready"):
        assert line in text, text
