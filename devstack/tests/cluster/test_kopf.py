"""Kopf runs against the emulated cluster: an operator in a subprocess, via kubeconfig."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from orchestra_devstack.cluster import EmulatedCluster

if TYPE_CHECKING:
    from devstack.tests.cluster.conftest import Api

OPERATOR = Path(__file__).with_name("kopf_operator.py")


@pytest.fixture
async def operator(
    cluster: EmulatedCluster, tmp_path: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    kubeconfig = cluster.write_kubeconfig(tmp_path / "kubeconfig")
    log = (tmp_path / "kopf.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kopf",
        "run",
        "--standalone",
        "--namespace",
        "default",
        "--verbose",
        str(OPERATOR),
        env={**os.environ, "KUBECONFIG": str(kubeconfig)},
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=30)
        log.close()
        output = (tmp_path / "kopf.log").read_text()
        # Kopf logs failed API calls as errors; none must happen against the emulator.
        assert "Traceback" not in output, output[-5000:]
        assert "APIError" not in output, output[-5000:]


# The bounds below only catch a hang, so they fit a loaded machine: Kopf's start-up (a new
# interpreter importing Kopf, then its first list and watch) takes most of the first one.
# The test's own timeout stays above their sum and the operator's stop.
@pytest.mark.timeout(300)
async def test_kopf_handles_create_update_and_delete(
    api: Api, operator: asyncio.subprocess.Process
) -> None:
    await api.create(api.WORKSHOPS, api.workshop("w1", image="jupyter"))

    async def handled() -> bool:
        _, body = await api.get(f"{api.WORKSHOPS}/w1")
        return (body.get("status") or {}).get("create_fn") == {"configmap": "w1-config"}

    await api.eventually(handled, timeout=90, interval=0.1)
    _, body = await api.get(f"{api.WORKSHOPS}/w1")
    assert body["status"]["phase"] == "Ready"
    assert body["metadata"]["finalizers"] == ["kopf.zalando.org/KopfFinalizerMarker"]
    assert "kopf.zalando.org/last-handled-configuration" in body["metadata"]["annotations"]
    _, configmap = await api.get("/api/v1/namespaces/default/configmaps/w1-config")
    assert configmap["metadata"]["ownerReferences"][0]["uid"] == body["metadata"]["uid"]

    async def posted() -> bool:  # Kopf posts its k8s-events in background
        _, events = await api.get("/api/v1/namespaces/default/events")
        return any(e["involvedObject"]["name"] == "w1" for e in events["items"])

    await api.eventually(posted, timeout=45, interval=0.1)

    await api.patch(f"{api.WORKSHOPS}/w1", {"spec": {"image": "rstudio"}})

    async def updated() -> bool:
        _, body = await api.get(f"{api.WORKSHOPS}/w1")
        return (body.get("status") or {}).get("seenImage") == "rstudio"

    await api.eventually(updated, timeout=45, interval=0.1)

    await api.delete(f"{api.WORKSHOPS}/w1")

    async def gone() -> bool:
        workshop, _ = await api.get(f"{api.WORKSHOPS}/w1")
        configmap, _ = await api.get("/api/v1/namespaces/default/configmaps/w1-config")
        return workshop == configmap == 404

    await api.eventually(gone, timeout=45, interval=0.1)
