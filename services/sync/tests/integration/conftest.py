"""Fixtures for sync against real Postgres, real NATS and the emulated Kubernetes API.

Sync runs in-process (``serve`` as a task), so a test can stop it, crash it
(cancel the task mid-flight) and start it again, or run two of it; the
emulated cluster runs without its fake kubelet, and ``FakeOperator`` writes
Workshop statuses as the operator would.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import nats
import pytest
import pytest_asyncio
from nats.aio.client import Client
from nats.js import JetStreamContext
from services.sync.tests.integration.operating import FakeOperator
from services.sync.tests.integration.probing import task_stacks

from orchestra_devstack.cluster.serving import EmulatedCluster
from orchestra_devstack.natsservers import NatsServer
from orchestra_shared.streaming import ensure_stream
from orchestra_sync.config import SyncSettings
from orchestra_sync.main import serve

CRD = Path(__file__).resolve().parents[4] / "charts" / "orchestra" / "crds" / "workshops.yaml"


@pytest_asyncio.fixture
async def cluster(request: pytest.FixtureRequest) -> AsyncIterator[EmulatedCluster]:
    """The emulated API; parametrize indirectly with a small event log to force 410 Gone."""
    capacity = getattr(request, "param", 10_000)
    async with EmulatedCluster(
        crd_paths=[CRD], kubelet=False, event_log_capacity=capacity, strict_namespaces=False
    ) as emulated:
        yield emulated


@pytest.fixture
def kubeconfig(cluster: EmulatedCluster, tmp_path: Path) -> Path:
    return cluster.write_kubeconfig(tmp_path / "kubeconfig")


@pytest.fixture
def operator(cluster: EmulatedCluster) -> FakeOperator:
    return FakeOperator(cluster)


@pytest_asyncio.fixture
async def nats_client(nats_server: NatsServer) -> AsyncIterator[Client]:
    client = await nats.connect(nats_server.url, max_reconnect_attempts=-1)
    try:
        await ensure_stream(client.jetstream())
        yield client
    finally:
        await client.close()


@pytest.fixture
def js(nats_client: Client) -> JetStreamContext:
    return nats_client.jetstream()


SettingsFactory = Callable[..., SyncSettings]


@pytest.fixture
def sync_settings(kubeconfig: Path, nats_server: NatsServer, dsn: str) -> SettingsFactory:
    def make(**overrides: Any) -> SyncSettings:
        values: dict[str, Any] = {
            "database_dsn": dsn,
            "nats_url": nats_server.url,
            "kubeconfig": kubeconfig,
            "watch_timeout": 5,
            "backoff_min": 0.05,
            "backoff_max": 0.5,
            "outbox_poll_interval": 0.2,
            "nats_connect_timeout": 1.0,
            "vanished_reason_wait": 15.0,
            **overrides,
        }
        return SyncSettings(**values)

    return make


class SyncRun:
    """One sync replica running in this event loop."""

    def __init__(self, settings: SyncSettings) -> None:
        self.settings = settings
        self.stop_event = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> SyncRun:
        self.stop_event = asyncio.Event()
        self.task = asyncio.create_task(serve(self.settings, self.stop_event))
        self.task.add_done_callback(_report_death)
        return self

    async def stop(self) -> None:
        """A graceful stop (SIGTERM)."""
        if self.task is not None:
            self.stop_event.set()
            await asyncio.wait_for(self.task, timeout=20)
            self.task = None

    async def crash(self) -> None:
        """The process dies wherever it is: nothing runs after the cancellation point."""
        if self.task is not None:
            self.task.cancel()
            done, _ = await asyncio.wait([self.task], timeout=30)
            if not done:
                raise AssertionError("sync did not stop when cancelled:\n" + task_stacks())
            self.task = None


def _report_death(task: asyncio.Task[None]) -> None:
    """A replica that ended by itself is a bug the test's own failure would not name."""
    if not task.cancelled() and task.exception() is not None:
        logging.getLogger(__name__).error("sync died", exc_info=task.exception())


@pytest_asyncio.fixture
async def replicas() -> AsyncIterator[list[SyncRun]]:
    """Register runs here (``replicas.append(SyncRun(...).start())``); all are stopped at the end."""
    runs: list[SyncRun] = []
    try:
        yield runs
    finally:
        for run in runs:
            await run.crash()
