"""Watches: initial state, resuming from a resourceVersion, 410, timeouts, bookmarks."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from orchestra_devstack.cluster import EmulatedCluster
from orchestra_devstack.cluster.watching import Change, EventLog, WatchRequest, stream

if TYPE_CHECKING:
    from devstack.tests.cluster.conftest import Api


def summary(events: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(e["type"], e["object"]["metadata"].get("name")) for e in events]


async def test_a_watch_without_version_starts_with_the_current_objects(api: Api) -> None:
    await api.create(api.WORKSHOPS, api.workshop("a"))
    await api.create(api.WORKSHOPS, api.workshop("b"))
    await api.delete(f"{api.WORKSHOPS}/a")
    events = await api.watch(api.WORKSHOPS, until=1)
    assert summary(events) == [("ADDED", "b")]
    assert events[0]["object"]["kind"] == "Workshop"


async def test_a_watch_from_a_version_sends_only_later_changes_as_they_were(api: Api) -> None:
    await api.create(api.WORKSHOPS, api.workshop("old"))
    start = await api.create(api.WORKSHOPS, api.workshop("a", image="1"))
    _, patched = await api.patch(f"{api.WORKSHOPS}/a", {"spec": {"image": "2"}})
    await api.patch(f"{api.WORKSHOPS}/a", {"spec": {"image": "3"}})
    await api.delete(f"{api.WORKSHOPS}/a")

    events = await api.watch(
        api.WORKSHOPS, until=3, resourceVersion=start["metadata"]["resourceVersion"]
    )
    assert summary(events) == [("MODIFIED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]
    assert [e["object"]["spec"]["image"] for e in events] == ["2", "3", "3"]
    assert (
        events[0]["object"]["metadata"]["resourceVersion"]
        == (patched["metadata"]["resourceVersion"])
    )
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert versions == sorted(versions)


async def test_a_watch_streams_live_changes(api: Api) -> None:
    _, listing = await api.get(api.WORKSHOPS)
    # From the listing's version: what happens after it streams, whenever the watch connects.
    watching = asyncio.create_task(
        api.watch(api.WORKSHOPS, until=2, resourceVersion=listing["metadata"]["resourceVersion"])
    )
    await api.create(api.WORKSHOPS, api.workshop("live"))
    await api.create(api.DEPLOYMENTS, api.deployment("not-a-workshop"))
    await api.patch(f"{api.WORKSHOPS}/live/status", {"status": {"phase": "Ready"}})
    events = await watching
    assert summary(events) == [("ADDED", "live"), ("MODIFIED", "live")]
    assert events[1]["object"]["status"] == {"phase": "Ready"}


async def test_a_namespaced_watch_ignores_other_namespaces(api: Api) -> None:
    await api.create("/api/v1/namespaces", {"metadata": {"name": "other"}})
    await api.create("/apis/orchestra.io/v1/namespaces/other/workshops", api.workshop("there"))
    await api.create(api.WORKSHOPS, api.workshop("here"))
    # Changes come in version order, so the first one being "here" means "there" was left out.
    events = await api.watch(api.WORKSHOPS, until=1, resourceVersion="1")
    assert summary(events) == [("ADDED", "here")]


async def test_a_too_old_version_answers_410_expired() -> None:
    async with (
        EmulatedCluster(event_log_capacity=3, kubelet=False) as cluster,
        aiohttp.ClientSession(base_url=cluster.url) as session,
    ):
        path = "/api/v1/namespaces/default/configmaps"
        for index in range(5):
            async with session.post(path, json={"metadata": {"name": f"cm{index}"}}) as response:
                assert response.status == 201
        async with session.get(path, params={"watch": "true", "resourceVersion": "1"}) as rsp:
            assert rsp.status == 200
            events = [line async for line in rsp.content if line.strip()]
        assert len(events) == 1
        error = json.loads(events[0])
        assert error["type"] == "ERROR"
        assert error["object"]["kind"] == "Status"
        assert error["object"]["code"] == 410
        assert error["object"]["reason"] == "Expired"

        # A version still in the log resumes normally.
        recent = cluster.log.last_resource_version - 1
        async with session.get(
            path, params={"watch": "true", "resourceVersion": str(recent), "timeoutSeconds": "1"}
        ) as rsp:
            events = [line async for line in rsp.content if line.strip()]
        assert len(events) == 1
        assert b'"ADDED"' in events[0]


async def test_a_later_cluster_starts_above_an_earlier_ones_versions_and_refuses_them() -> None:
    """A new run's cluster (the dev stack keeps Postgres, not the cluster): its versions
    sort after the old run's, and a watch resuming from the old run relists (410)."""
    path = "/api/v1/namespaces/default/configmaps"
    async with (
        EmulatedCluster(kubelet=False) as earlier,
        aiohttp.ClientSession(base_url=earlier.url) as session,
        session.post(path, json={"metadata": {"name": "old"}}) as response,
    ):
        old_version = int((await response.json())["metadata"]["resourceVersion"])
    later_start = old_version + 1_000_000
    async with (
        EmulatedCluster(kubelet=False, first_resource_version=later_start) as later,
        aiohttp.ClientSession(base_url=later.url) as session,
    ):
        async with session.post(path, json={"metadata": {"name": "new"}}) as response:
            assert int((await response.json())["metadata"]["resourceVersion"]) >= later_start
        params = {"watch": "true", "resourceVersion": str(old_version), "timeoutSeconds": "1"}
        async with session.get(path, params=params) as rsp:
            events = [json.loads(line) async for line in rsp.content if line.strip()]
        assert [(e["type"], e["object"].get("code")) for e in events] == [("ERROR", 410)]


async def test_timeout_seconds_ends_the_stream(api: Api) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    events = await api.watch(api.WORKSHOPS, timeoutSeconds="1")  # fails if it never ends
    assert events == []
    assert loop.time() - started >= 0.9  # not at once: the stream lasted its timeout


async def test_bookmarks_when_allowed() -> None:
    async with (
        EmulatedCluster(bookmark_interval=0.2, kubelet=False) as bookmarking,
        aiohttp.ClientSession(base_url=bookmarking.url) as session,
    ):
        path = "/api/v1/namespaces/default/configmaps"
        params = {
            "watch": "true",
            "allowWatchBookmarks": "true",
            "timeoutSeconds": "0.5",
            "resourceVersion": str(bookmarking.log.last_resource_version),
        }
        async with session.get(path, params=params) as response:
            events = [json.loads(line) async for line in response.content if line.strip()]
        assert events
        assert {e["type"] for e in events} == {"BOOKMARK"}
        assert events[0]["object"]["kind"] == "ConfigMap"
        assert events[0]["object"]["metadata"]["resourceVersion"] == str(
            bookmarking.log.last_resource_version
        )

        params.pop("allowWatchBookmarks")
        async with session.get(path, params=params) as response:
            assert [line async for line in response.content if line.strip()] == []


async def test_initial_events_end_with_a_bookmark(api: Api) -> None:
    await api.create(api.WORKSHOPS, api.workshop("a"))
    events = await api.watch(
        api.WORKSHOPS,
        until=2,
        sendInitialEvents="true",
        resourceVersionMatch="NotOlderThan",
        allowWatchBookmarks="true",
    )
    assert [e["type"] for e in events] == ["ADDED", "BOOKMARK"]
    annotations = events[1]["object"]["metadata"]["annotations"]
    assert annotations == {"k8s.io/initial-events-end": "true"}


async def test_kubernetes_asyncio_watch_resumes_from_a_list(
    cluster: EmulatedCluster, tmp_path: Path
) -> None:
    from kubernetes_asyncio import client, config, watch

    kubeconfig = cluster.write_kubeconfig(tmp_path / "kubeconfig")
    await config.load_kube_config(config_file=str(kubeconfig))
    async with client.ApiClient() as api_client:
        core = client.CoreV1Api(api_client)
        await core.create_namespaced_config_map(
            "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="before"))
        )
        listing = await core.list_namespaced_config_map("default")
        stream = watch.Watch().stream(
            core.list_namespaced_config_map,
            "default",
            resource_version=listing.metadata.resource_version,
            timeout_seconds=1,
        )
        await core.create_namespaced_config_map(
            "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="after"))
        )
        names = [(event["type"], event["object"].metadata.name) async for event in stream]
    assert names == [("ADDED", "after")]


async def test_a_change_queued_as_a_bookmark_falls_due_goes_out_before_the_bookmark(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bookmark past a change the stream has not sent would let a client resume past it."""
    log = EventLog(capacity=100)
    key = ("", "v1", "configmaps")
    request = WatchRequest(
        storage_key=key,
        matches=lambda body: True,
        present=lambda body: body,
        bookmark={"apiVersion": "v1", "kind": "ConfigMap"},
        since=0,
        bookmarks=True,
        bookmark_interval=0.01,
    )
    gone = {"metadata": {"name": "last-words", "resourceVersion": "1"}}
    real_wait_for = asyncio.wait_for
    waits = 0

    async def lands_as_it_times_out(awaitable: Any, timeout: float | None) -> Any:
        nonlocal waits
        waits += 1
        if waits == 1:  # the deletion is queued, not yet taken, when the wait times out
            awaitable.close()
            log.append(Change(log.next_resource_version(), key, "DELETED", gone, gone))
            raise TimeoutError
        return await real_wait_for(awaitable, timeout)

    monkeypatch.setattr(asyncio, "wait_for", lands_as_it_times_out)
    sent: list[dict[str, Any]] = []
    async with contextlib.aclosing(stream(request, log=log, snapshot=list)) as events:
        async for batch in events:
            sent += batch
            if any(event["type"] == "DELETED" for event in batch):
                break
    assert [event["type"] for event in sent] == ["DELETED"]
