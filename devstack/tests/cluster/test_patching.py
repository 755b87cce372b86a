"""Merge-patch, JSON-patch, strategic (as merge), PUT, and the status subresource."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from orchestra_devstack.cluster.errors import InvalidError
from orchestra_devstack.cluster.patches import json_patch, merge_patch

if TYPE_CHECKING:
    from devstack.tests.cluster.conftest import Api


async def test_merge_patch_merges_dicts_and_null_removes(api: Api) -> None:
    await api.create(api.WORKSHOPS, api.workshop("w1", image="a", size="s", tags=["x"]))
    status, body = await api.patch(
        f"{api.WORKSHOPS}/w1", {"spec": {"size": None, "tags": ["y"], "more": {"k": 1}}}
    )
    assert status == 200
    assert body["spec"] == {"image": "a", "tags": ["y"], "more": {"k": 1}}


async def test_strategic_merge_patch_is_applied_as_merge(api: Api) -> None:
    await api.create(api.WORKSHOPS, api.workshop("w1", image="a"))
    status, body = await api.patch(
        f"{api.WORKSHOPS}/w1",
        {"spec": {"image": "b"}},
        content_type="application/strategic-merge-patch+json",
    )
    assert status == 200
    assert body["spec"] == {"image": "b"}


async def test_json_patch_operations(api: Api) -> None:
    await api.create(api.WORKSHOPS, api.workshop("w1", image="a", tags=["x"]))
    ops = [
        {"op": "add", "path": "/metadata/finalizers", "value": ["orchestra.io/cleanup"]},
        {"op": "add", "path": "/spec/tags/-", "value": "y"},
        {"op": "replace", "path": "/spec/image", "value": "b"},
        {"op": "remove", "path": "/spec/tags/0"},
    ]
    status, body = await api.patch(f"{api.WORKSHOPS}/w1", ops, content_type=api.JSON_PATCH)
    assert status == 200
    assert body["metadata"]["finalizers"] == ["orchestra.io/cleanup"]
    assert body["spec"] == {"image": "b", "tags": ["y"]}


async def test_json_patch_guarded_by_current_resource_version_succeeds(api: Api) -> None:
    created = await api.create(api.WORKSHOPS, api.workshop("w1"))
    ops = [
        {
            "op": "test",
            "path": "/metadata/resourceVersion",
            "value": created["metadata"]["resourceVersion"],
        },
        {"op": "add", "path": "/metadata/finalizers", "value": ["f"]},
    ]
    status, body = await api.patch(f"{api.WORKSHOPS}/w1", ops, content_type=api.JSON_PATCH)
    assert status == 200
    assert body["metadata"]["finalizers"] == ["f"]


async def test_put_replaces_the_object_but_keeps_system_metadata(api: Api) -> None:
    created = await api.create(api.WORKSHOPS, api.workshop("w1", image="a", size="s"))
    replacement = {
        "apiVersion": "orchestra.io/v1",
        "kind": "Workshop",
        "metadata": {"name": "w1", "labels": {"new": "yes"}},
        "spec": {"image": "b"},
    }
    status, body = await api.put(f"{api.WORKSHOPS}/w1", replacement)
    assert status == 200
    assert body["spec"] == {"image": "b"}
    assert body["metadata"]["labels"] == {"new": "yes"}
    assert body["metadata"]["uid"] == created["metadata"]["uid"]
    assert body["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]
    assert body["metadata"]["generation"] == 2


async def test_status_is_dropped_on_create_with_a_status_subresource(api: Api) -> None:
    created = await api.create(api.WORKSHOPS, {**api.workshop("w1"), "status": {"phase": "X"}})
    assert "status" not in created


async def test_patching_status_changes_only_status(api: Api) -> None:
    await api.create(api.WORKSHOPS, api.workshop("w1", image="a"))
    patch = {
        "spec": {"image": "sneaky"},
        "metadata": {"labels": {"sneaky": "yes"}},
        "status": {"phase": "Ready"},
    }
    status, body = await api.patch(f"{api.WORKSHOPS}/w1/status", patch)
    assert status == 200
    assert body["status"] == {"phase": "Ready"}
    assert body["spec"] == {"image": "a"}
    assert "labels" not in body["metadata"]


async def test_patching_the_main_resource_leaves_status_alone(api: Api) -> None:
    await api.create(api.WORKSHOPS, api.workshop("w1", image="a"))
    await api.patch(f"{api.WORKSHOPS}/w1/status", {"status": {"phase": "Ready"}})
    status, body = await api.patch(
        f"{api.WORKSHOPS}/w1", {"spec": {"image": "b"}, "status": {"phase": "Hacked"}}
    )
    assert status == 200
    assert body["spec"] == {"image": "b"}
    assert body["status"] == {"phase": "Ready"}


async def test_json_patching_status_through_the_subresource(api: Api) -> None:
    created = await api.create(api.WORKSHOPS, api.workshop("w1"))
    ops = [
        {
            "op": "test",
            "path": "/metadata/resourceVersion",
            "value": created["metadata"]["resourceVersion"],
        },
        {"op": "add", "path": "/status", "value": {"phase": "Ready"}},
    ]
    status, body = await api.patch(f"{api.WORKSHOPS}/w1/status", ops, content_type=api.JSON_PATCH)
    assert status == 200
    assert body["status"] == {"phase": "Ready"}


async def test_without_a_status_subresource_status_is_ordinary_content(api: Api) -> None:
    await api.create("/apis/example.com/v1/gadgets", {"metadata": {"name": "g"}})
    status, body = await api.patch("/apis/example.com/v1/gadgets/g", {"status": {"ok": True}})
    assert status == 200
    assert body["status"] == {"ok": True}
    status, _ = await api.patch("/apis/example.com/v1/gadgets/g/status", {"status": {}})
    assert status == 404


def test_merge_patch_replaces_non_dicts() -> None:
    assert merge_patch({"a": {"b": 1}}, {"a": [1]}) == {"a": [1]}
    assert merge_patch({"a": 1}, {"a": {"b": None, "c": 2}}) == {"a": {"c": 2}}


def test_json_patch_move_copy_and_escaping() -> None:
    doc = {"a/b": 1, "m~n": 2, "list": [1, 2]}
    result = json_patch(
        doc,
        [
            {"op": "copy", "from": "/a~1b", "path": "/copied"},
            {"op": "move", "from": "/m~0n", "path": "/list/0"},
        ],
    )
    assert result == {"a/b": 1, "copied": 1, "list": [2, 1, 2]}
    assert doc == {"a/b": 1, "m~n": 2, "list": [1, 2]}  # the original is untouched


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "remove", "path": "/absent"}],
        [{"op": "replace", "path": "/list/5", "value": 1}],
        [{"op": "test", "path": "/list/0", "value": 9}],
        [{"op": "frobnicate", "path": "/list"}],
    ],
)
def test_json_patch_failures_are_invalid(ops: list[dict[str, Any]]) -> None:
    with pytest.raises(InvalidError):
        json_patch({"list": [1]}, ops)
