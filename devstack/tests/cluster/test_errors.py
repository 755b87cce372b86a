"""Refusals with the codes and Status bodies Kubernetes answers with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from devstack.tests.cluster.conftest import Api


def assert_status(body: dict[str, Any], *, code: int, reason: str) -> None:
    assert body["kind"] == "Status"
    assert body["apiVersion"] == "v1"
    assert body["status"] == "Failure"
    assert body["code"] == code
    assert body["reason"] == reason
    assert body["message"]


async def test_creating_an_existing_name_is_409_already_exists(api: Api) -> None:
    await api.create(api.WORKSHOPS, api.workshop("w1"))
    status, error = await api.post(api.WORKSHOPS, api.workshop("w1"))
    assert status == 409
    assert_status(error, code=409, reason="AlreadyExists")
    assert error["message"] == 'workshops.orchestra.io "w1" already exists'
    assert error["details"]["name"] == "w1"


async def test_the_same_name_in_another_namespace_is_fine(api: Api) -> None:
    await api.post("/api/v1/namespaces", {"metadata": {"name": "other"}})
    await api.create(api.WORKSHOPS, api.workshop("w1"))
    await api.create("/apis/orchestra.io/v1/namespaces/other/workshops", api.workshop("w1"))


@pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
async def test_absent_objects_are_404_not_found(api: Api, method: str) -> None:
    status, error = await api.call(
        method,
        f"{api.WORKSHOPS}/absent",
        None if method in ("GET", "DELETE") else {"spec": {}},
        content_type=api.MERGE if method == "PATCH" else "application/json",
    )
    assert status == 404
    assert_status(error, code=404, reason="NotFound")
    assert error["message"] == 'workshops.orchestra.io "absent" not found'


async def test_unknown_resources_are_404(api: Api) -> None:
    status, error = await api.get("/apis/orchestra.io/v1/namespaces/default/nonsense")
    assert status == 404
    assert_status(error, code=404, reason="NotFound")


async def test_failed_json_patch_test_is_422(api: Api) -> None:
    await api.create(api.WORKSHOPS, api.workshop("w1"))
    ops = [
        {"op": "test", "path": "/metadata/resourceVersion", "value": "1"},
        {"op": "add", "path": "/metadata/finalizers", "value": ["x"]},
    ]
    status, error = await api.patch(f"{api.WORKSHOPS}/w1", ops, content_type=api.JSON_PATCH)
    assert status == 422
    assert_status(error, code=422, reason="Invalid")
    _, body = await api.get(f"{api.WORKSHOPS}/w1")
    assert "finalizers" not in body["metadata"]


async def test_unknown_patch_type_is_415(api: Api) -> None:
    await api.create(api.WORKSHOPS, api.workshop("w1"))
    status, error = await api.patch(f"{api.WORKSHOPS}/w1", {}, content_type="text/plain")
    assert status == 415
    assert_status(error, code=415, reason="UnsupportedMediaType")


async def test_malformed_json_is_400(api: Api) -> None:
    async with api.session.post(
        api.WORKSHOPS, data=b"{not json", headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 400
        assert_status(await response.json(), code=400, reason="BadRequest")


async def test_dry_runs_are_refused_rather_than_written(api: Api) -> None:
    status, error = await api.call("POST", api.WORKSHOPS, api.workshop("w1"), dryRun="All")
    assert status == 400
    assert "dry run" in error["message"]
    status, _ = await api.get(f"{api.WORKSHOPS}/w1")
    assert status == 404
