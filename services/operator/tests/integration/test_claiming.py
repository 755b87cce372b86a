"""A warm instance (docs/src/content/docs/decisions/0070): started for a class's pool in a namespace of its
own, fenced like a learner's, then handed over whole to the learner who claims it, with
the pod left running; a forged claim is refused, and the learner's terminate finds it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from services.operator.tests.integration.driving import World, launch_event, new_owner

from orchestra_operator.cluster import (
    DEPLOYMENTS,
    LIMIT_RANGES,
    NAMESPACES,
    NETWORK_POLICIES,
    QUOTAS,
    WORKSHOPS,
)
from orchestra_shared import labels
from orchestra_shared.events import ClaimRequested, TerminateRequested
from orchestra_shared.owners import learner_namespace, owner_hash, pool_namespace

pytestmark = pytest.mark.asyncio(loop_scope="module")
POOL = "pool:k2x9bcdfgh"


async def test_a_warm_instance_is_fenced_then_handed_over_whole_to_its_learner(
    operator: World,
) -> None:
    world = operator
    launch = launch_event(owner=POOL)
    namespace = pool_namespace(launch.instance)
    await world.publish(launch)
    await world.wait_for_phase(launch, "Ready")

    # Fenced as a learner's namespace, owned by nobody's email.
    ns = await world.kube.get(NAMESPACES, namespace)
    assert ns is not None
    assert ns["metadata"]["labels"][labels.OWNER_HASH] == owner_hash(POOL)
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for kind, name in ((QUOTAS, "learner-quota"), (LIMIT_RANGES, "learner-limits")):
        assert await world.kube.get(kind, name, namespace) is not None
    deny = await world.kube.get(NETWORK_POLICIES, "default-deny", namespace)
    assert deny is not None
    assert deny["spec"]["podSelector"] == {}
    before = await world.kube.get(DEPLOYMENTS, launch.instance, namespace)
    assert before is not None

    learner = new_owner()
    deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    claim = ClaimRequested(
        instance=launch.instance, owner=learner, pool_owner=POOL, expires_at=deadline
    )
    await world.publish(claim)

    async def handed_over() -> dict[str, Any] | None:
        return await world.kube.get(WORKSHOPS, launch.instance, namespace)

    workshop = await world.wait_for(
        handed_over,
        until=lambda body: (
            body is not None
            and body["spec"]["owner"] == learner
            and str((body.get("status") or {}).get("expiresAt", "")).startswith(
                deadline.isoformat()[:19]
            )
        ),
        what="the claim to hand the Workshop over",
    )
    assert workshop is not None
    assert workshop["metadata"]["labels"][labels.OWNER_HASH] == owner_hash(learner)
    assert workshop["status"]["phase"] == "Ready"
    ns = await world.kube.get(NAMESPACES, namespace)
    assert ns is not None
    assert ns["metadata"]["labels"][labels.OWNER_HASH] == owner_hash(learner)
    quota = await world.kube.get(QUOTAS, "learner-quota", namespace)
    assert quota is not None
    assert quota["metadata"]["labels"][labels.OWNER_HASH] == owner_hash(learner)
    assert all("@" not in value for value in ns["metadata"]["labels"].values())
    # The pod was not restarted: its template is what it was.
    after = await world.kube.get(DEPLOYMENTS, launch.instance, namespace)
    assert after is not None
    assert after["spec"]["template"] == before["spec"]["template"]
    # Nothing went into the learner's own namespace.
    assert await world.kube.get(WORKSHOPS, launch.instance, learner_namespace(learner)) is None

    # Someone else's claim of the same instance is refused, and changes nothing.
    await world.publish(
        ClaimRequested(
            instance=launch.instance, owner=new_owner(), pool_owner=POOL, expires_at=deadline
        )
    )
    await world.wait_for(
        world.dead_letters,
        until=lambda letters: any(launch.instance in letter.payload for letter in letters),
        what="the forged claim's dead letter",
    )
    still = await world.kube.get(WORKSHOPS, launch.instance, namespace)
    assert still is not None
    assert still["spec"]["owner"] == learner

    # The learner's terminate finds the Workshop where it warmed.
    await world.publish(TerminateRequested(instance=launch.instance, owner=learner, reason="user"))
    await world.wait_for(
        handed_over, until=lambda body: body is None, what="the claimed Workshop to go"
    )
