"""The garbage collector: cascading deletion along ownerReferences."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devstack.tests.cluster.conftest import Api


def owned_by(body: dict[str, Any], *owners: dict[str, Any]) -> dict[str, Any]:
    body["metadata"]["ownerReferences"] = [
        {
            "apiVersion": o["apiVersion"],
            "kind": o["kind"],
            "name": o["metadata"]["name"],
            "uid": o["metadata"]["uid"],
        }
        for o in owners
    ]
    return body


async def absent(api: Api, path: str) -> bool:
    status, _ = await api.get(path)
    return status == 404


async def test_deleting_an_owner_cascades_through_its_dependents(api: Api) -> None:
    ws = await api.create(api.WORKSHOPS, api.workshop("w1"))
    dep = await api.create(api.DEPLOYMENTS, owned_by(api.deployment("w1-web"), ws))
    await api.create(
        "/api/v1/namespaces/default/configmaps", owned_by({"metadata": {"name": "w1-config"}}, ws)
    )
    grandchild = {"metadata": {"name": "w1-grandchild"}}
    await api.create("/api/v1/namespaces/default/configmaps", owned_by(grandchild, dep))
    await api.create("/api/v1/namespaces/default/configmaps", {"metadata": {"name": "unowned"}})

    await api.delete(f"{api.WORKSHOPS}/w1")

    async def all_gone() -> bool:
        return (
            await absent(api, f"{api.DEPLOYMENTS}/w1-web")
            and await absent(api, "/api/v1/namespaces/default/configmaps/w1-config")
            and await absent(api, "/api/v1/namespaces/default/configmaps/w1-grandchild")
        )

    await api.eventually(all_gone)
    assert not await absent(api, "/api/v1/namespaces/default/configmaps/unowned")


async def test_a_dependent_with_a_remaining_owner_survives(api: Api) -> None:
    first = await api.create(api.WORKSHOPS, api.workshop("first"))
    second = await api.create(api.WORKSHOPS, api.workshop("second"))
    path = "/api/v1/namespaces/default/configmaps"
    await api.create(path, owned_by({"metadata": {"name": "shared"}}, first, second))
    await api.create(path, owned_by({"metadata": {"name": "only-first"}}, first))

    await api.delete(f"{api.WORKSHOPS}/first")
    await api.eventually(lambda: absent(api, f"{path}/only-first"))
    assert not await absent(api, f"{path}/shared")


async def test_an_owner_held_by_finalizers_keeps_its_dependents(api: Api) -> None:
    ws = api.workshop("held")
    ws["metadata"]["finalizers"] = ["orchestra.io/cleanup"]
    ws = await api.create(api.WORKSHOPS, ws)
    await api.create(api.DEPLOYMENTS, owned_by(api.deployment("held-web"), ws))

    await api.delete(f"{api.WORKSHOPS}/held")
    _, body = await api.get(f"{api.DEPLOYMENTS}/held-web")
    assert body["metadata"]["name"] == "held-web"

    await api.patch(f"{api.WORKSHOPS}/held", {"metadata": {"finalizers": None}})
    await api.eventually(lambda: absent(api, f"{api.DEPLOYMENTS}/held-web"))


async def test_dependents_of_a_vanished_owner_are_collected(api: Api) -> None:
    ghost = {
        "apiVersion": "orchestra.io/v1",
        "kind": "Workshop",
        "metadata": {"name": "ghost", "uid": "00000000-0000-0000-0000-000000000000"},
    }
    await api.create(api.DEPLOYMENTS, owned_by(api.deployment("orphan"), ghost))
    await api.eventually(lambda: absent(api, f"{api.DEPLOYMENTS}/orphan"))
