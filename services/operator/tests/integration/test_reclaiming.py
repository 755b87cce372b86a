"""The operator's half of the workspaces' retention rule (docs/src/content/docs/decisions/0062), against the
emulated cluster and a real NATS: ``workspace delete requested`` deletes the learner's
unused workspace (counted once), and never one a workshop of its template uses again,
nor a claim that is not a workspace, nor anything of another learner."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from services.operator.tests.integration.driving import World, launch_event, namespace_of

from orchestra_operator.cluster import NAMESPACES, PVCS
from orchestra_shared import subjects
from orchestra_shared.events import (
    LaunchRequested,
    TerminateRequested,
    WorkspaceDeleteRequested,
    encode_event,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
TEMPLATE = "jupyter-workspace"
DELETED = 'orchestra_retention_deleted_total{rule="workspaces"}'


async def ask_to_delete(world: World, event: LaunchRequested) -> None:
    command = WorkspaceDeleteRequested(
        owner=event.owner, template_slug=TEMPLATE, last_used_at=datetime.now(UTC)
    )
    await world.publish_raw(
        subjects.WORKSPACE_DELETE_REQUESTED, encode_event(command), msg_id=str(command.event_id)
    )


async def claims(world: World, event: LaunchRequested) -> list[str]:
    return [pvc["metadata"]["name"] for pvc in await world.kube.list(PVCS, namespace_of(event))]


async def ended(world: World, event: LaunchRequested) -> None:
    await world.wait_for_phase(event, "Ready")
    await world.publish(
        TerminateRequested(instance=event.instance, owner=event.owner, reason="expired")
    )
    await world.wait_until_gone(event)


async def test_an_unused_workspace_is_deleted_once_and_counted(operator: World) -> None:
    gone, other = launch_event(template=TEMPLATE), launch_event(template=TEMPLATE)
    for event in (gone, other):
        await operator.publish(event)
    for event in (gone, other):
        await ended(operator, event)
    before = (await operator.metrics("solo")).get(DELETED, 0.0)
    await ask_to_delete(operator, gone)
    await ask_to_delete(operator, gone)  # a second decision (another replica): nothing more
    await operator.wait_for(
        lambda: claims(operator, gone), until=lambda names: names == [], what="the deletion"
    )
    # Nothing left in the namespace: the sweep takes it, as for any empty one.
    await operator.wait_for(
        lambda: operator.kube.get(NAMESPACES, namespace_of(gone)),
        until=lambda body: body is None,
        what="the empty namespace to go",
    )
    await operator.wait_for(
        lambda: operator.metrics("solo"),
        until=lambda samples: samples.get(DELETED, 0.0) - before == 1.0,
        what="one deletion counted",
    )
    # The other learner's workspace of the same template is theirs, and stays.
    assert await claims(operator, other) == [f"workspace-{TEMPLATE}"]
    assert await operator.dead_letters() == []


async def test_a_workspace_in_use_again_is_kept(operator: World) -> None:
    first = launch_event(template=TEMPLATE)
    await operator.publish(first)
    await ended(operator, first)
    # The learner launched again before the command arrived (it follows the launch).
    again = launch_event(template=TEMPLATE, owner=first.owner)
    await operator.publish(again)
    await operator.wait_for_phase(again, "Ready")
    await ask_to_delete(operator, again)
    marker = launch_event(owner=first.owner)  # commands run in order: once it is Ready,
    await operator.publish(marker)  # the deletion was handled
    await operator.wait_for_phase(marker, "Ready")
    assert f"workspace-{TEMPLATE}" in await claims(operator, again)


async def test_a_claim_the_operator_did_not_make_is_not_a_workspace_and_stays(
    operator: World,
) -> None:
    event = launch_event(template=TEMPLATE)
    namespace = namespace_of(event)
    await operator.kube.create(
        NAMESPACES, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    )
    await operator.kube.create(
        PVCS,
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": f"workspace-{TEMPLATE}", "namespace": namespace},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
    )
    await ask_to_delete(operator, event)
    marker = launch_event(owner=event.owner)
    await operator.publish(marker)
    await operator.wait_for_phase(marker, "Ready")
    assert f"workspace-{TEMPLATE}" in await claims(operator, event)
