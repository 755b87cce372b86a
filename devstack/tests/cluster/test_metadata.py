"""Metadata filled in on create, and kind/apiVersion on objects and lists."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING

from orchestra_devstack.cluster import EmulatedCluster

if TYPE_CHECKING:
    from devstack.tests.cluster.conftest import Api


async def test_create_fills_system_metadata(api: Api) -> None:
    created = await api.create(api.WORKSHOPS, {"metadata": {"name": "w1"}, "spec": {}})
    metadata = created["metadata"]
    uuid.UUID(metadata["uid"])
    assert int(metadata["resourceVersion"]) > 0
    assert metadata["generation"] == 1
    assert metadata["namespace"] == "default"  # taken from the URL; the body had none
    stamp = datetime.datetime.strptime(metadata["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ")
    assert abs(stamp.replace(tzinfo=datetime.UTC) - datetime.datetime.now(datetime.UTC)) < (
        datetime.timedelta(seconds=5)
    )
    assert created["kind"] == "Workshop"
    assert created["apiVersion"] == "orchestra.io/v1"


async def test_uids_are_unique_and_client_values_are_ignored(api: Api) -> None:
    first = await api.create(api.WORKSHOPS, {"metadata": {"name": "a", "uid": "mine"}})
    second = await api.create(api.WORKSHOPS, {"metadata": {"name": "b", "generation": 7}})
    assert first["metadata"]["uid"] != "mine"
    assert first["metadata"]["uid"] != second["metadata"]["uid"]
    assert second["metadata"]["generation"] == 1


async def test_fetched_object_equals_created_one(api: Api) -> None:
    created = await api.create(api.WORKSHOPS, api.workshop("w1"))
    status, fetched = await api.get(f"{api.WORKSHOPS}/w1")
    assert status == 200
    assert fetched == created


async def test_generate_name(api: Api) -> None:
    created = await api.create(api.WORKSHOPS, {"metadata": {"generateName": "ws-"}})
    assert created["metadata"]["name"].startswith("ws-")
    assert len(created["metadata"]["name"]) == len("ws-") + 5


async def test_namespace_mismatch_is_refused(api: Api) -> None:
    body = {"metadata": {"name": "w1", "namespace": "elsewhere"}}
    status, error = await api.post(api.WORKSHOPS, body)
    assert status == 400
    assert error["kind"] == "Status"
    assert error["reason"] == "BadRequest"


async def test_creating_in_an_absent_namespace_is_refused(api: Api) -> None:
    status, error = await api.post(
        "/apis/orchestra.io/v1/namespaces/nowhere/workshops", api.workshop("w1")
    )
    assert status == 404
    assert error["message"] == 'namespaces "nowhere" not found'


async def test_cluster_scoped_objects_have_no_namespace(api: Api) -> None:
    created = await api.create(
        "/apis/example.com/v1/gadgets", {"metadata": {"name": "g1", "namespace": "default"}}
    )
    assert "namespace" not in created["metadata"]
    status, _ = await api.get("/apis/example.com/v1/gadgets/g1")
    assert status == 200


async def test_lists_have_kind_api_version_and_resource_version(api: Api) -> None:
    created = await api.create(api.WORKSHOPS, api.workshop("w1"))
    status, listing = await api.get(api.WORKSHOPS)
    assert status == 200
    assert listing["kind"] == "WorkshopList"
    assert listing["apiVersion"] == "orchestra.io/v1"
    assert listing["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert [item["kind"] for item in listing["items"]] == ["Workshop"]

    status, listing = await api.get("/apis/apps/v1/deployments")
    assert (listing["kind"], listing["apiVersion"]) == ("DeploymentList", "apps/v1")


async def test_cluster_wide_list_spans_namespaces(api: Api) -> None:
    await api.post("/api/v1/namespaces", {"metadata": {"name": "other"}})
    await api.create(api.WORKSHOPS, api.workshop("here"))
    await api.create("/apis/orchestra.io/v1/namespaces/other/workshops", api.workshop("there"))
    _, listing = await api.get("/apis/orchestra.io/v1/workshops")
    names = [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in listing["items"]]
    assert names == [("default", "here"), ("other", "there")]
    _, listing = await api.get(api.WORKSHOPS)
    assert [i["metadata"]["name"] for i in listing["items"]] == ["here"]


async def test_objects_are_kept_in_kmock_objects_with_history(
    cluster: EmulatedCluster, api: Api
) -> None:
    await api.create(api.WORKSHOPS, api.workshop("w1"))
    await api.patch(f"{api.WORKSHOPS}/w1", {"spec": {"image": "other"}})
    stored = cluster.emulator.objects["orchestra.io/v1/workshops", "default", "w1"]
    assert stored >= {"spec": {"image": "other"}}
    assert len(stored.history) == 2
