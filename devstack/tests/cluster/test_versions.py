"""The cluster-wide resourceVersion, generation, and optimistic concurrency."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devstack.tests.cluster.conftest import Api


def rv(body: dict[str, Any]) -> int:
    return int(body["metadata"]["resourceVersion"])


async def test_resource_version_increases_on_every_write(api: Api) -> None:
    created = await api.create(api.WORKSHOPS, api.workshop("w1"))
    _, patched = await api.patch(f"{api.WORKSHOPS}/w1", {"spec": {"image": "b"}})
    _, status_patched = await api.patch(f"{api.WORKSHOPS}/w1/status", {"status": {"phase": "X"}})
    other = await api.create(api.WORKSHOPS, api.workshop("w2"))
    _, deleted = await api.delete(f"{api.WORKSHOPS}/w1")
    versions = [rv(created), rv(patched), rv(status_patched), rv(other), rv(deleted)]
    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions)
    _, listing = await api.get(api.WORKSHOPS)
    assert int(listing["metadata"]["resourceVersion"]) == rv(deleted)


async def test_resource_version_is_shared_across_resources(api: Api) -> None:
    workshop = await api.create(api.WORKSHOPS, api.workshop("w1"))
    deployment = await api.create(api.DEPLOYMENTS, api.deployment("d1"))
    assert rv(deployment) > rv(workshop)


async def test_no_op_patch_keeps_the_resource_version(api: Api) -> None:
    created = await api.create(api.WORKSHOPS, api.workshop("w1", image="a"))
    _, patched = await api.patch(f"{api.WORKSHOPS}/w1", {"spec": {"image": "a"}})
    assert rv(patched) == rv(created)


async def test_generation_follows_spec_changes_only(api: Api) -> None:
    await api.create(api.WORKSHOPS, api.workshop("w1", image="a"))
    _, body = await api.patch(f"{api.WORKSHOPS}/w1", {"spec": {"image": "b"}})
    assert body["metadata"]["generation"] == 2
    _, body = await api.patch(f"{api.WORKSHOPS}/w1", {"metadata": {"labels": {"x": "y"}}})
    assert body["metadata"]["generation"] == 2
    _, body = await api.patch(f"{api.WORKSHOPS}/w1/status", {"status": {"phase": "Ready"}})
    assert body["metadata"]["generation"] == 2
    _, body = await api.patch(f"{api.WORKSHOPS}/w1", {"spec": {"image": "c"}})
    assert body["metadata"]["generation"] == 3


async def test_stale_resource_version_in_a_patch_conflicts(api: Api) -> None:
    created = await api.create(api.WORKSHOPS, api.workshop("w1"))
    await api.patch(f"{api.WORKSHOPS}/w1", {"spec": {"image": "newer"}})
    stale = {
        "metadata": {"resourceVersion": created["metadata"]["resourceVersion"]},
        "spec": {"image": "lost update"},
    }
    status, error = await api.patch(f"{api.WORKSHOPS}/w1", stale)
    assert status == 409
    assert error["reason"] == "Conflict"
    assert "the object has been modified" in error["message"]
    _, body = await api.get(f"{api.WORKSHOPS}/w1")
    assert body["spec"]["image"] == "newer"


async def test_current_resource_version_in_a_patch_succeeds(api: Api) -> None:
    created = await api.create(api.WORKSHOPS, api.workshop("w1"))
    fresh = {
        "metadata": {"resourceVersion": created["metadata"]["resourceVersion"]},
        "spec": {"image": "b"},
    }
    status, body = await api.patch(f"{api.WORKSHOPS}/w1", fresh)
    assert status == 200
    assert rv(body) > rv(created)


async def test_stale_resource_version_in_a_put_conflicts(api: Api) -> None:
    created = await api.create(api.WORKSHOPS, api.workshop("w1"))
    await api.patch(f"{api.WORKSHOPS}/w1", {"spec": {"image": "newer"}})
    status, error = await api.put(f"{api.WORKSHOPS}/w1", {**created, "spec": {"image": "old"}})
    assert status == 409
    assert error["reason"] == "Conflict"


async def test_delete_precondition_on_resource_version(api: Api) -> None:
    created = await api.create(api.WORKSHOPS, api.workshop("w1"))
    await api.patch(f"{api.WORKSHOPS}/w1", {"spec": {"image": "newer"}})
    options = {"preconditions": {"resourceVersion": created["metadata"]["resourceVersion"]}}
    status, error = await api.delete(f"{api.WORKSHOPS}/w1", options)
    assert status == 409
    assert error["reason"] == "Conflict"
    status, _ = await api.get(f"{api.WORKSHOPS}/w1")
    assert status == 200
