"""Deletion with and without finalizers, and delete-collection."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devstack.tests.cluster.conftest import Api


async def test_delete_without_finalizers_removes_the_object(api: Api) -> None:
    await api.create(api.WORKSHOPS, api.workshop("w1"))
    status, body = await api.delete(f"{api.WORKSHOPS}/w1")
    assert status == 200
    assert body["metadata"]["name"] == "w1"
    status, _ = await api.get(f"{api.WORKSHOPS}/w1")
    assert status == 404


async def test_finalizers_hold_the_object_until_removed(api: Api) -> None:
    body = api.workshop("w1")
    body["metadata"]["finalizers"] = ["orchestra.io/cleanup"]
    await api.create(api.WORKSHOPS, body)

    status, marked = await api.delete(f"{api.WORKSHOPS}/w1")
    assert status == 200
    assert marked["metadata"]["deletionTimestamp"]
    status, still = await api.get(f"{api.WORKSHOPS}/w1")
    assert status == 200
    assert still["metadata"]["deletionTimestamp"] == marked["metadata"]["deletionTimestamp"]

    await api.patch(f"{api.WORKSHOPS}/w1", {"metadata": {"finalizers": []}})
    status, _ = await api.get(f"{api.WORKSHOPS}/w1")
    assert status == 404


async def test_a_deleted_name_can_be_created_again(api: Api) -> None:
    first = await api.create(api.WORKSHOPS, api.workshop("w1"))
    await api.delete(f"{api.WORKSHOPS}/w1")
    second = await api.create(api.WORKSHOPS, api.workshop("w1"))
    assert second["metadata"]["uid"] != first["metadata"]["uid"]
    assert second["metadata"]["generation"] == 1


async def test_delete_collection_honours_the_label_selector(api: Api) -> None:
    for name, team in [("a", "red"), ("b", "red"), ("c", "blue")]:
        await api.create(api.WORKSHOPS, {"metadata": {"name": name, "labels": {"team": team}}})
    status, _ = await api.call("DELETE", api.WORKSHOPS, labelSelector="team=red")
    assert status == 200
    _, listing = await api.get(api.WORKSHOPS)
    assert [item["metadata"]["name"] for item in listing["items"]] == ["c"]
