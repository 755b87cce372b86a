"""The emulated cluster counts the requests it serves, by verb and resource (for bench/)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devstack.tests.cluster.conftest import Api


async def test_requests_are_counted_by_verb_and_resource_and_can_be_reset(api: Api) -> None:
    await api.create(api.WORKSHOPS, api.workshop("ws-1"))
    await api.get(f"{api.WORKSHOPS}/ws-1")
    await api.get(api.WORKSHOPS)
    await api.get(api.PODS, labelSelector="app=x")
    await api.patch(f"{api.WORKSHOPS}/ws-1/status", {"status": {"phase": "Ready"}})

    status, body = await api.get("/_devstack/requests")
    assert status == 200
    counts = body["requests"]
    assert counts["post workshops"] == 1
    assert counts["get workshops"] == 1
    assert counts["list workshops"] == 1
    assert counts["list pods"] == 1
    assert counts["patch workshops/status"] == 1

    status, body = await api.delete("/_devstack/requests")
    assert (status, body["requests"]) == (200, counts)
    await api.get(api.WORKSHOPS)
    _, body = await api.get("/_devstack/requests")
    assert body["requests"] == {"list workshops": 1}
