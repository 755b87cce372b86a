"""The fake kubelet: Deployments become available, or fail as asked."""

from __future__ import annotations

import asyncio
import collections
from typing import TYPE_CHECKING, Any, cast

import aiohttp
import pytest

from orchestra_devstack.cluster import EmulatedCluster

if TYPE_CHECKING:
    from devstack.tests.cluster.conftest import Api


def conditions(body: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {c["type"]: c for c in (body.get("status") or {}).get("conditions", [])}


async def settled(api: Api, name: str, *, generation: int = 1) -> dict[str, Any]:
    result: dict[str, dict[str, Any]] = {}

    async def check() -> bool:
        _, body = await api.get(f"{api.DEPLOYMENTS}/{name}")
        result["body"] = body
        return (body.get("status") or {}).get("observedGeneration") == generation

    await api.eventually(check)
    return result["body"]


async def pods_of(api: Api, name: str) -> list[dict[str, Any]]:
    _, listing = await api.get(api.PODS, labelSelector=f"app={name}")
    return cast(list[dict[str, Any]], listing["items"])


async def test_a_deployment_becomes_available_after_the_delay(api: Api) -> None:
    created = await api.create(api.DEPLOYMENTS, api.deployment("web"))
    assert "status" not in created
    body = await settled(api, "web")
    status = body["status"]
    assert status["replicas"] == status["readyReplicas"] == status["availableReplicas"] == 1
    assert status["updatedReplicas"] == 1
    available, progressing = conditions(body)["Available"], conditions(body)["Progressing"]
    assert available["status"] == "True"
    assert progressing["status"] == "True"
    assert progressing["reason"] == "NewReplicaSetAvailable"
    assert available["lastTransitionTime"]


async def test_a_running_pod_is_created_and_owned_by_the_deployment(api: Api) -> None:
    deployment = await api.create(api.DEPLOYMENTS, api.deployment("web", image="nginx:1.27"))
    await settled(api, "web")
    (pod,) = await pods_of(api, "web")
    assert pod["metadata"]["ownerReferences"][0]["uid"] == deployment["metadata"]["uid"]
    assert pod["metadata"]["labels"]["app"] == "web"
    assert pod["status"]["phase"] == "Running"
    (container,) = pod["status"]["containerStatuses"]
    assert container["ready"] is True
    assert container["image"] == "nginx:1.27"

    await api.delete(f"{api.DEPLOYMENTS}/web")

    async def no_pods() -> bool:
        return not await pods_of(api, "web")

    await api.eventually(no_pods)


@pytest.fixture
def cluster_options() -> dict[str, Any]:
    return {
        "failing_images": {
            "*broken*": "ImagePullBackOff",
            "crash:*": "CrashLoopBackOff",
            "huge/*": "Unschedulable",
            "typo/*": "ErrImagePull",
        }
    }


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        ("registry.local/broken:1", "ImagePullBackOff"),
        ("typo/nginx", "ErrImagePull"),
    ],
)
async def test_image_pull_failures(api: Api, image: str, reason: str) -> None:
    await api.create(api.DEPLOYMENTS, api.deployment("web", image=image))
    body = await settled(api, "web")
    assert conditions(body)["Available"]["status"] == "False"
    assert body["status"]["unavailableReplicas"] == 1
    assert "readyReplicas" not in body["status"]
    (pod,) = await pods_of(api, "web")
    assert pod["status"]["phase"] == "Pending"
    (container,) = pod["status"]["containerStatuses"]
    assert container["state"]["waiting"]["reason"] == reason
    assert image in container["state"]["waiting"]["message"]
    assert container["ready"] is False


async def test_crash_loop(api: Api) -> None:
    await api.create(api.DEPLOYMENTS, api.deployment("web", image="crash:latest"))
    await settled(api, "web")
    (pod,) = await pods_of(api, "web")
    (container,) = pod["status"]["containerStatuses"]
    assert container["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert container["restartCount"] > 0
    assert container["lastState"]["terminated"]["exitCode"] != 0


async def test_unschedulable(api: Api) -> None:
    await api.create(api.DEPLOYMENTS, api.deployment("web", image="huge/model"))
    await settled(api, "web")
    (pod,) = await pods_of(api, "web")
    assert pod["status"]["phase"] == "Pending"
    scheduled = {c["type"]: c for c in pod["status"]["conditions"]}["PodScheduled"]
    assert (scheduled["status"], scheduled["reason"]) == ("False", "Unschedulable")


async def test_a_failing_deployment_eventually_exceeds_its_progress_deadline(
    cluster: EmulatedCluster, api: Api
) -> None:
    created = await api.create(api.DEPLOYMENTS, api.deployment("web", image="x/broken"))

    async def exceeded() -> bool:
        _, body = await api.get(f"{api.DEPLOYMENTS}/web")
        progressing = conditions(body).get("Progressing") or {}
        return progressing.get("reason") == "ProgressDeadlineExceeded"

    await api.eventually(exceeded)
    # The deadline is short here, so a poll may miss the state before it: read the history.
    first, *_ = (
        change.new
        for change in cluster.log.since(int(created["metadata"]["resourceVersion"]))
        if change.storage_key[2] == "deployments" and change.type == "MODIFIED"
    )
    assert conditions(first)["Progressing"]["status"] == "True"


async def test_failing_images_can_be_flipped_at_run_time(api: Api) -> None:
    await api.create(api.DEPLOYMENTS, api.deployment("web", image="fine/app:1"))
    body = await settled(api, "web")
    assert conditions(body)["Available"]["status"] == "True"

    status, listing = await api.post(
        "/_devstack/kubelet/failing-images", {"pattern": "fine/*", "reason": "ImagePullBackOff"}
    )
    assert status == 200
    assert listing["failingImages"]["fine/*"] == "ImagePullBackOff"

    async def failing() -> bool:
        _, body = await api.get(f"{api.DEPLOYMENTS}/web")
        return conditions(body)["Available"]["status"] == "False"

    await api.eventually(failing)

    status, _ = await api.call("DELETE", "/_devstack/kubelet/failing-images", pattern="fine/*")
    assert status == 200

    async def healed() -> bool:
        _, body = await api.get(f"{api.DEPLOYMENTS}/web")
        return conditions(body)["Available"]["status"] == "True"

    await api.eventually(healed)


async def test_unknown_failure_reasons_are_refused(api: Api) -> None:
    status, _ = await api.post(
        "/_devstack/kubelet/failing-images", {"pattern": "*", "reason": "Sulking"}
    )
    assert status == 400


async def test_a_template_change_is_rolled_out_again(api: Api) -> None:
    await api.create(api.DEPLOYMENTS, api.deployment("web", image="nginx:1"))
    await settled(api, "web")
    (old_pod,) = await pods_of(api, "web")
    patch = {
        "spec": {"template": {"spec": {"containers": [{"name": "main", "image": "x/broken:2"}]}}}
    }
    _, patched = await api.patch(f"{api.DEPLOYMENTS}/web", patch)
    assert patched["metadata"]["generation"] == 2
    body = await settled(api, "web", generation=2)
    assert conditions(body)["Available"]["status"] == "False"
    (new_pod,) = await pods_of(api, "web")
    assert new_pod["metadata"]["name"] != old_pod["metadata"]["name"]
    assert new_pod["status"]["containerStatuses"][0]["image"] == "x/broken:2"


async def test_a_deployment_deleted_before_the_delay_is_tolerated() -> None:
    async with (
        EmulatedCluster(kubelet_delay=0.2) as cluster,
        aiohttp.ClientSession(base_url=cluster.url) as session,
    ):
        path = "/apis/apps/v1/namespaces/default/deployments"
        body = {
            "spec": {
                "selector": {"matchLabels": {"app": "a"}},
                "template": {
                    "metadata": {"labels": {"app": "a"}},
                    "spec": {"containers": [{"name": "main", "image": "a"}]},
                },
            }
        }
        async with session.post(path, json={**body, "metadata": {"name": "brief"}}) as rsp:
            assert rsp.status == 201
        async with session.delete(f"{path}/brief") as rsp:
            assert rsp.status == 200
        async with session.post(path, json={**body, "metadata": {"name": "later"}}) as rsp:
            assert rsp.status == 201

        async def owners() -> list[str]:
            async with session.get("/api/v1/namespaces/default/pods") as rsp:
                pods = (await rsp.json())["items"]
            return [p["metadata"]["ownerReferences"][0]["name"] for p in pods]

        # The kubelet's timers fire in order, so by the time the later one's pod is there,
        # the deleted one's would be too, had its timer not been cancelled.
        deadline = asyncio.get_running_loop().time() + 60
        while not await owners():
            assert asyncio.get_running_loop().time() < deadline, "no pod for the later one"
            await asyncio.sleep(0.05)
        # No pod for the deleted one; the kubelet still works for the next one.
        assert await owners() == ["later"]


async def test_hundreds_of_deployments_settle_with_one_pass_each(
    cluster: EmulatedCluster, api: Api
) -> None:
    """A burst costs the kubelet one pass per Deployment: one status write and one pod each,
    never a rescan of the others (how fast that is, is bench/emulator.py's to measure)."""
    count = 300
    before = cluster.log.last_resource_version
    await asyncio.gather(
        *(api.create(api.DEPLOYMENTS, api.deployment(f"d{i}")) for i in range(count))
    )

    async def all_available() -> bool:
        _, listing = await api.get(api.DEPLOYMENTS)
        return (
            sum(
                1 for d in listing["items"] if (d.get("status") or {}).get("availableReplicas") == 1
            )
            == count
        )

    await api.eventually(all_available, interval=0.2)
    writes = collections.Counter(
        (change.storage_key[2], change.type) for change in cluster.log.since(before)
    )
    assert writes == {
        ("deployments", "ADDED"): count,  # the test's creates
        ("deployments", "MODIFIED"): count,  # one status each
        ("pods", "ADDED"): count,
        ("pods", "MODIFIED"): count,  # each pod's status
    }
    _, pods = await api.get(api.PODS)
    assert len(pods["items"]) == count
