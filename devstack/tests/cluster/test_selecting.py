"""Label and field selectors on lists and watches."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from orchestra_devstack.cluster.errors import BadRequestError
from orchestra_devstack.cluster.selectors import Selector

if TYPE_CHECKING:
    from devstack.tests.cluster.conftest import Api

LABELLED = {
    "a": {"team": "red", "tier": "web"},
    "b": {"team": "blue", "tier": "web", "canary": "yes"},
    "c": {"team": "green"},
    "d": {},
}


@pytest.fixture
async def labelled(api: Api) -> None:
    for name, labels in LABELLED.items():
        await api.create(api.WORKSHOPS, {"metadata": {"name": name, "labels": labels}})


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("team=red", ["a"]),
        ("team==red", ["a"]),
        ("team!=red", ["b", "c", "d"]),
        ("team in (red,blue)", ["a", "b"]),
        ("team notin (red, blue)", ["c", "d"]),
        ("canary", ["b"]),
        ("!canary", ["a", "c", "d"]),
        ("tier=web,team!=red", ["b"]),
        ("tier=web,team in (red,green),!canary", ["a"]),
    ],
)
@pytest.mark.usefixtures("labelled")
async def test_label_selectors_on_lists(api: Api, selector: str, expected: list[str]) -> None:
    status, listing = await api.get(api.WORKSHOPS, labelSelector=selector)
    assert status == 200
    assert [item["metadata"]["name"] for item in listing["items"]] == expected


@pytest.mark.usefixtures("labelled")
async def test_field_selectors_on_lists(api: Api) -> None:
    await api.create("/api/v1/namespaces", {"metadata": {"name": "other"}})
    await api.create("/apis/orchestra.io/v1/namespaces/other/workshops", api.workshop("a"))
    _, listing = await api.get("/apis/orchestra.io/v1/workshops", fieldSelector="metadata.name=a")
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in listing["items"]] == [
        ("default", "a"),
        ("other", "a"),
    ]
    _, listing = await api.get(
        "/apis/orchestra.io/v1/workshops", fieldSelector="metadata.namespace=other"
    )
    assert [i["metadata"]["name"] for i in listing["items"]] == ["a"]
    _, listing = await api.get(
        api.WORKSHOPS, fieldSelector="metadata.name!=a", labelSelector="tier=web"
    )
    assert [i["metadata"]["name"] for i in listing["items"]] == ["b"]


async def test_lists_by_label_follow_relabels_deletions_and_recreations(api: Api) -> None:
    """The store answers ``key=value`` from a label index: it must follow every write."""
    await api.create("/api/v1/namespaces", {"metadata": {"name": "other"}})
    others = "/apis/orchestra.io/v1/namespaces/other/workshops"
    everywhere = "/apis/orchestra.io/v1/workshops"
    await api.create(api.WORKSHOPS, {"metadata": {"name": "x", "labels": {"team": "red"}}})
    await api.create(others, {"metadata": {"name": "y", "labels": {"team": "red"}}})

    async def named(path: str, selector: str) -> list[tuple[str, str]]:
        _, listing = await api.get(path, labelSelector=selector)
        return [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in listing["items"]]

    assert await named(everywhere, "team=red") == [("default", "x"), ("other", "y")]
    assert await named(others, "team=red") == [("other", "y")]
    await api.patch(f"{api.WORKSHOPS}/x", {"metadata": {"labels": {"team": "blue"}}})
    assert await named(everywhere, "team=red") == [("other", "y")]
    assert await named(everywhere, "team in (blue,green)") == [("default", "x")]
    status, _ = await api.delete(f"{others}/y")
    assert status == 200
    assert await named(everywhere, "team=red") == []
    await api.create(others, {"metadata": {"name": "y", "labels": {"team": "blue"}}})
    assert await named(everywhere, "team=blue,team!=red") == [("default", "x"), ("other", "y")]


async def test_a_bad_selector_is_400(api: Api) -> None:
    status, error = await api.get(api.WORKSHOPS, labelSelector="team in red")
    assert status == 400
    assert error["reason"] == "BadRequest"


async def test_label_selectors_on_watches_turn_label_changes_into_added_and_deleted(
    api: Api,
) -> None:
    start = await api.create(api.WORKSHOPS, {"metadata": {"name": "w", "labels": {"a": "1"}}})
    watching = asyncio.create_task(
        api.watch(
            api.WORKSHOPS,
            until=3,
            labelSelector="a=1",
            resourceVersion=start["metadata"]["resourceVersion"],
        )
    )  # from a version: the changes below stream whenever the watch connects
    await api.create(api.WORKSHOPS, {"metadata": {"name": "other", "labels": {"a": "2"}}})
    await api.patch(f"{api.WORKSHOPS}/w", {"metadata": {"labels": {"a": "2"}}})  # leaves
    await api.patch(f"{api.WORKSHOPS}/other", {"metadata": {"labels": {"a": "1"}}})  # enters
    await api.patch(f"{api.WORKSHOPS}/other", {"spec": {"x": 1}})  # stays
    events = await watching
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("DELETED", "w"),
        ("ADDED", "other"),
        ("MODIFIED", "other"),
    ]


async def test_field_selector_on_a_watch_of_one_object(api: Api) -> None:
    await api.create(api.WORKSHOPS, api.workshop("mine"))
    await api.create(api.WORKSHOPS, api.workshop("theirs"))
    events = await api.watch(api.WORKSHOPS, timeoutSeconds="1", fieldSelector="metadata.name=mine")
    assert [e["object"]["metadata"]["name"] for e in events] == ["mine"]


def test_selectors_compare_absent_fields_as_empty() -> None:
    body = {"metadata": {"name": "p"}, "status": {"phase": "Running"}}
    assert Selector.parse(labels=None, fields="status.phase=Running").matches(body)
    assert Selector.parse(labels=None, fields="spec.nodeName=").matches(body)
    assert not Selector.parse(labels=None, fields="spec.nodeName!=").matches(body)


def test_set_selectors_cannot_be_negated() -> None:
    with pytest.raises(BadRequestError):
        Selector.parse(labels="!a in (b)", fields=None)
