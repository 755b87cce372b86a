"""Fixtures of the operator's integration tests: one world per test module.

A module shares one emulated cluster and one NATS server (starting them per
test would cost more than most tests); tests keep apart by using their own
learners and instance names. The event loop is the module's, because the
emulated cluster serves from it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
import pytest_asyncio
from services.operator.tests.integration.driving import (
    CRD,
    FAILING_IMAGES,
    World,
    write_catalog,
)

from orchestra_devstack.cluster.serving import EmulatedCluster
from orchestra_devstack.natsservers import start_nats
from orchestra_operator.cluster import Cluster
from orchestra_shared.settings import KubernetesSettings
from orchestra_shared.streaming import ensure_stream


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    workdir: Path = tmp_path_factory.mktemp("operator")
    os.chmod(workdir, 0o755)
    server = await start_nats(workdir=workdir / "nats")
    try:
        async with EmulatedCluster(
            crd_paths=[CRD],
            kubelet_delay=0.2,
            failing_images=FAILING_IMAGES,
            progress_deadline=60.0,  # the operator's own startup timeout decides first
            work_folders=workdir / "work-folders",  # what exports read (test_exporting)
        ) as cluster:
            kubeconfig = cluster.write_kubeconfig(workdir / "kubeconfig")
            kube = await Cluster.connect(KubernetesSettings(kubeconfig=kubeconfig))
            client = await nats.connect(server.url)
            await ensure_stream(client.jetstream())
            world = World(
                cluster=cluster,
                kube=kube,
                kubeconfig=kubeconfig,
                nats_url=server.url,
                client=client,
                js=client.jetstream(),
                workdir=workdir,
                catalog=write_catalog(workdir / "catalog"),
            )
            try:
                yield world
            finally:
                await world.stop_operators()
                await client.close()
                await kube.close()
    finally:
        await server.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def operator(world: World) -> AsyncIterator[World]:
    """The world with one operator leading it for the whole module."""
    process = await world.start_leader("solo")
    yield world
    await process.stop()
