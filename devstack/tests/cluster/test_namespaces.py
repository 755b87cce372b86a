"""Namespaces: listing (kmock answers 500), creation, and deletion with their content."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devstack.tests.cluster.conftest import Api


async def test_namespaces_are_listed_with_the_initial_ones(api: Api) -> None:
    status, listing = await api.get("/api/v1/namespaces")
    assert status == 200
    assert listing["kind"] == "NamespaceList"
    names = {item["metadata"]["name"] for item in listing["items"]}
    assert {"default", "kube-system"} <= names


async def test_namespace_create_and_get(api: Api) -> None:
    created = await api.create("/api/v1/namespaces", {"metadata": {"name": "team-a"}})
    assert created["kind"] == "Namespace"
    assert created["status"] == {"phase": "Active"}
    status, fetched = await api.get("/api/v1/namespaces/team-a")
    assert status == 200
    assert fetched["metadata"]["uid"] == created["metadata"]["uid"]


async def test_namespace_deletion_removes_its_content_then_itself(api: Api) -> None:
    await api.create("/api/v1/namespaces", {"metadata": {"name": "doomed"}})
    await api.create("/api/v1/namespaces/doomed/configmaps", {"metadata": {"name": "cm"}})
    await api.create("/apis/orchestra.io/v1/namespaces/doomed/workshops", api.workshop("w"))
    await api.create(api.WORKSHOPS, api.workshop("survivor"))

    status, body = await api.delete("/api/v1/namespaces/doomed")
    assert status == 200
    assert body["status"]["phase"] == "Terminating"

    async def gone() -> bool:
        status, _ = await api.get("/api/v1/namespaces/doomed")
        return status == 404

    await api.eventually(gone)
    for path in (
        "/api/v1/namespaces/doomed/configmaps/cm",
        "/apis/orchestra.io/v1/namespaces/doomed/workshops/w",
    ):
        status, _ = await api.get(path)
        assert status == 404
    status, _ = await api.get(f"{api.WORKSHOPS}/survivor")
    assert status == 200


async def test_a_terminating_namespace_waits_for_finalizers_and_refuses_new_content(
    api: Api,
) -> None:
    await api.create("/api/v1/namespaces", {"metadata": {"name": "slow"}})
    path = "/apis/orchestra.io/v1/namespaces/slow/workshops"
    await api.create(
        path, {**api.workshop("held"), "metadata": {"name": "held", "finalizers": ["x"]}}
    )
    await api.delete("/api/v1/namespaces/slow")

    async def held_is_marked() -> bool:
        _, body = await api.get(f"{path}/held")
        return bool(body["metadata"].get("deletionTimestamp"))

    await api.eventually(held_is_marked)
    status, _ = await api.get("/api/v1/namespaces/slow")
    assert status == 200  # still there: its content is held by a finalizer
    status, error = await api.post(path, api.workshop("new"))
    assert status == 403
    assert error["reason"] == "Forbidden"

    await api.patch(f"{path}/held", {"metadata": {"finalizers": None}})

    async def namespace_gone() -> bool:
        status, _ = await api.get("/api/v1/namespaces/slow")
        return status == 404

    await api.eventually(namespace_gone)
