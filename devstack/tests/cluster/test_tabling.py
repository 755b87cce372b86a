"""``kubectl get`` shows the CRD's printer columns: the emulator answers Table requests."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import aiohttp

from orchestra_devstack.cluster.definitions import definitions_from_crd, read_crd_files
from orchestra_devstack.cluster.serving import EmulatedCluster
from orchestra_devstack.cluster.tabling import as_table, lookup, wants_table

CHART_CRD = Path(__file__).resolve().parents[3] / "charts/orchestra/crds/workshops.yaml"
KUBECTL = str(Path(sys.executable).parent / "kubectl")
WORKSHOPS = "/apis/orchestra.io/v1/namespaces/default/workshops"


def workshop(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "orchestra.io/v1",
        "kind": "Workshop",
        "metadata": {"name": name},
        "spec": {
            "owner": "ada@example.org",
            "template": "rstudio",
            "templateName": "RStudio",
            "image": "example.org/rstudio:1",
            "port": 8787,
            "expiresAt": "2026-11-22T12:00:00Z",
        },
    }


def test_a_table_has_the_crds_columns_and_values_from_each_object() -> None:
    (definition,) = definitions_from_crd(read_crd_files([CHART_CRD])[0])
    body = workshop("ws-1") | {"status": {"phase": "Ready", "url": "http://ws-1.example/"}}
    table = as_table(definition, [body], "42")
    shown = [c["name"] for c in table["columnDefinitions"] if c["priority"] == 0]
    assert shown == ["Name", "Phase", "URL", "Expires", "Age"]
    wide = [c["name"] for c in table["columnDefinitions"] if c["priority"] > 0]
    assert wide == ["Reason"]  # `kubectl get -o wide` only
    (row,) = table["rows"]
    cells = dict(zip([c["name"] for c in table["columnDefinitions"]], row["cells"], strict=True))
    assert cells["Name"] == "ws-1"
    assert cells["Phase"] == "Ready"
    assert cells["URL"] == "http://ws-1.example/"
    assert cells["Expires"] == "2026-11-22T12:00:00Z"
    assert table["metadata"]["resourceVersion"] == "42"


def test_paths_that_are_missing_give_no_value() -> None:
    assert lookup({"status": {}}, ".status.phase") is None
    assert lookup({"status": "odd"}, ".status.phase") is None
    assert wants_table("application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
    assert not wants_table("application/json")


async def test_kubectl_get_shows_phase_url_and_expiry(tmp_path: Path) -> None:
    async with EmulatedCluster(crd_paths=[CHART_CRD], kubelet=False) as cluster:
        kubeconfig = cluster.write_kubeconfig(tmp_path / "kubeconfig")
        async with aiohttp.ClientSession() as session:
            created = await session.post(f"{cluster.url}{WORKSHOPS}", json=workshop("ws-2"))
            assert created.status == 201
            patched = await session.patch(
                f"{cluster.url}{WORKSHOPS}/ws-2/status",
                json={"status": {"phase": "Ready", "url": "http://ws-2.example/"}},
                headers={"Content-Type": "application/merge-patch+json"},
            )
            assert patched.status == 200
        process = await asyncio.create_subprocess_exec(
            KUBECTL, "--kubeconfig", str(kubeconfig), "get", "ws", "-n", "default",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await process.communicate()
    header, row = output.decode().splitlines()[:2]
    assert header.split() == ["NAME", "PHASE", "URL", "EXPIRES", "AGE"]
    assert row.split()[:3] == ["ws-2", "Ready", "http://ws-2.example/"]
