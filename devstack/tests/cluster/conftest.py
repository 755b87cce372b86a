"""Fixtures for the emulated cluster's tests: a running cluster and a thin HTTP client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from orchestra_devstack.cluster import EmulatedCluster

CRDS = Path(__file__).with_name("crds.yaml")
WORKSHOPS = "/apis/orchestra.io/v1/namespaces/default/workshops"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
PODS = "/api/v1/namespaces/default/pods"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"


class Api:
    """Raw HTTP against the cluster: (status, parsed JSON body) for every call.

    Test modules cannot import this conftest (importlib import mode), so the
    paths, manifest builders and the polling helper come with the fixture too.
    """

    WORKSHOPS = WORKSHOPS
    DEPLOYMENTS = DEPLOYMENTS
    PODS = PODS
    MERGE = MERGE
    JSON_PATCH = JSON_PATCH

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = "application/json",
        **params: str,
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body)
        headers = {"Content-Type": content_type}
        async with self.session.request(
            method, path, data=data, headers=headers, params=params
        ) as response:
            return response.status, await response.json()

    async def get(self, path: str, **params: str) -> tuple[int, Any]:
        return await self.call("GET", path, **params)

    async def post(self, path: str, body: Any) -> tuple[int, Any]:
        return await self.call("POST", path, body)

    async def put(self, path: str, body: Any) -> tuple[int, Any]:
        return await self.call("PUT", path, body)

    async def patch(self, path: str, body: Any, *, content_type: str = MERGE) -> tuple[int, Any]:
        return await self.call("PATCH", path, body, content_type=content_type)

    async def delete(self, path: str, body: Any = None) -> tuple[int, Any]:
        return await self.call("DELETE", path, body)

    async def create(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        status, created = await self.post(collection, body)
        assert status == 201, created
        result: dict[str, Any] = created
        return result

    @staticmethod
    async def eventually(
        check: Callable[[], Awaitable[bool]], *, timeout: float = 60.0, interval: float = 0.02
    ) -> None:
        """Wait until the check passes; fail the test if it never does.

        The bound only catches a hang: it is generous because the suite shares a loaded
        machine, where a fake kubelet's 50 ms can take seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not await check():
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail("the condition never came true")
            await asyncio.sleep(interval)

    @staticmethod
    def workshop(name: str, **spec: Any) -> dict[str, Any]:
        return {
            "apiVersion": "orchestra.io/v1",
            "kind": "Workshop",
            "metadata": {"name": name},
            "spec": spec or {"image": "jupyter"},
        }

    @staticmethod
    def deployment(name: str, image: str = "nginx", **metadata: Any) -> dict[str, Any]:
        return {
            "metadata": {"name": name, **metadata},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": "main", "image": image}]},
                },
            },
        }

    async def watch(
        self, path: str, *, until: int | None = None, timeout: float = 60.0, **params: str
    ) -> list[dict[str, Any]]:
        """Collect events until ``until`` of them came or the server ended the stream
        (ask it to with ``timeoutSeconds``); fail the test if neither happens within
        ``timeout``, which only catches a hang (so it is generous: the machine is shared)."""
        events: list[dict[str, Any]] = []

        async def collect() -> None:
            async with self.session.get(path, params={"watch": "true", **params}) as response:
                assert response.status == 200
                async for line in response.content:
                    if line.strip():
                        events.append(json.loads(line))
                    if until is not None and len(events) >= until:
                        return

        try:
            await asyncio.wait_for(collect(), timeout=timeout)
        except TimeoutError:
            pytest.fail(f"the watch neither ended nor sent {until} events; got {events!r}")
        return events


@pytest.fixture
def cluster_options() -> dict[str, Any]:
    """Override in a test module to start the cluster differently."""
    return {}


@pytest.fixture
async def cluster(cluster_options: dict[str, Any]) -> AsyncIterator[EmulatedCluster]:
    options: dict[str, Any] = {
        "crd_paths": [CRDS],
        "kubelet_delay": 0.05,
        "progress_deadline": 0.2,
        **cluster_options,
    }
    async with EmulatedCluster(**options) as running:
        yield running


@pytest.fixture
async def api(cluster: EmulatedCluster) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession(base_url=cluster.url) as session:
        yield Api(session)
