"""The emulated cluster's own cost: CPU per request, as the number of stored objects grows.

Run by hand (``make bench BENCH=emulator``; never in the test suite):

    .venv/bin/python bench/emulator.py                       # 250, 1,000 and 4,000 learners
    .venv/bin/python bench/emulator.py --learners 100 1000 --requests 300

The burst benchmark should measure our services, not the emulator they talk to, so the
emulator must cost little per request and the same at 100 objects as at 10,000. This
starts the emulated cluster as the dev stack does (``python -m orchestra_devstack.cluster``,
its own process, the fake kubelet on), fills it with learners (per learner: a namespace,
a Deployment, whose Pod and status the kubelet adds, a Service and a ConfigMap owned
by the Deployment: six objects), opens the watches the platform keeps open (Workshops twice, the operator's six child
kinds and ConfigMaps, cluster-wide, by label), and then times each kind of request the operator and sync make,
``--requests`` of each, one after another from one client. The figure is the cluster
process's CPU time (user + system, from /proc) per request, including the watch events
each write fans out; the client's own time is not in it. Results go in
docs/src/content/docs/benchmarks/emulator.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
CRD = ROOT / "charts" / "orchestra" / "crds" / "workshops.yaml"
LABEL = "bench.orchestra.io/learner"
APPS = "/apis/apps/v1"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def deployment(name: str) -> dict[str, Any]:
    labels = {"app": name, LABEL: name}
    return {
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "main", "image": "registry.example.org/w:1"}]},
            },
        },
    }


def service(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {LABEL: name}},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8888}]},
    }


def config_map(name: str, owner: dict[str, Any] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "labels": {LABEL: name}}
    if owner is not None:  # owned, as the operator's children are: the collector follows it
        metadata["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
            }
        ]
    return {"metadata": metadata, "data": {"greeting": "hello"}}


class Cluster:
    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url

    async def call(
        self, method: str, path: str, body: Any = None, content_type: str = "application/json"
    ) -> Any:
        data = None if body is None else json.dumps(body)
        async with self.session.request(
            method, self.url + path, data=data, headers={"Content-Type": content_type}
        ) as response:
            text = await response.text()
            if response.status >= 300:
                raise RuntimeError(f"{method} {path}: {response.status} {text[:300]}")
            return json.loads(text)

    async def add_learner(self, i: int) -> None:
        name = f"learner-{i}"
        await self.call("POST", "/api/v1/namespaces", {"metadata": {"name": name}})
        owner = await self.call("POST", f"{APPS}/namespaces/{name}/deployments", deployment(name))
        await self.call("POST", f"/api/v1/namespaces/{name}/services", service(name))
        await self.call("POST", f"/api/v1/namespaces/{name}/configmaps", config_map(name, owner))


@contextlib.asynccontextmanager
async def emulated_cluster(kubelet_delay: float) -> AsyncIterator[tuple[str, int]]:
    with tempfile.TemporaryDirectory(prefix="bench-emulator-") as directory:
        ready = Path(directory) / "ready"
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "orchestra_devstack.cluster",
            "--crd",
            str(CRD),
            "--kubeconfig",
            str(Path(directory) / "kubeconfig"),
            "--ready-file",
            str(ready),
            "--kubelet-delay",
            str(kubelet_delay),
            "--log-level",
            "WARNING",
        )
        try:
            for _ in range(600):
                if ready.exists():
                    break
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError("the emulated cluster did not start")
            yield ready.read_text().strip(), process.pid
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=30)


async def watch(cluster: Cluster, path: str, seen: list[int]) -> None:
    """Keep a watch open and read its events, as a client of the platform does."""
    async with cluster.session.get(
        f"{cluster.url}{path}", timeout=aiohttp.ClientTimeout(total=None)
    ) as response:
        async for _line in response.content:
            seen[0] += 1


async def settle(url: str, pid: int) -> None:
    """Until the cluster is idle (the kubelet's timers fired, the watches caught up)."""
    last = cpu_seconds(pid)
    while True:
        await asyncio.sleep(1.0)
        now = cpu_seconds(pid)
        if now - last < 0.02:
            return
        last = now


def operations(cluster: Cluster, learners: int) -> dict[str, Callable[[int], Awaitable[Any]]]:
    """One request of each kind, the k-th time (spread over the learners)."""

    def learner(k: int) -> str:
        return f"learner-{(k * 7919) % learners}"

    async def get(k: int) -> Any:
        name = learner(k)
        return await cluster.call("GET", f"{APPS}/namespaces/{name}/deployments/{name}")

    async def list_namespace(k: int) -> Any:
        name = learner(k)
        return await cluster.call(
            "GET", f"/api/v1/namespaces/{name}/configmaps?labelSelector={LABEL}%3D{name}"
        )

    async def list_cluster_selector(k: int) -> Any:
        return await cluster.call("GET", f"/api/v1/configmaps?labelSelector={LABEL}%3D{learner(k)}")

    async def patch(k: int) -> Any:
        name = learner(k)
        return await cluster.call(
            "PATCH",
            f"/api/v1/namespaces/{name}/configmaps/{name}",
            {"data": {"greeting": f"hello {k}"}},
            "application/merge-patch+json",
        )

    async def create_delete(k: int) -> Any:
        name = learner(k)
        path = f"/api/v1/namespaces/{name}/configmaps"
        await cluster.call("POST", path, config_map(f"extra-{k}"))
        return await cluster.call("DELETE", f"{path}/extra-{k}")

    return {
        "get": get,
        "list (namespace, label)": list_namespace,
        "list (cluster-wide, label)": list_cluster_selector,
        "patch (an owned object)": patch,
        "create + delete (2 requests)": create_delete,
    }


async def measure(arguments: argparse.Namespace, learners: int) -> dict[str, float]:
    connector = aiohttp.TCPConnector(limit=20)
    async with (
        emulated_cluster(arguments.kubelet_delay) as (url, pid),
        aiohttp.ClientSession(connector=connector) as session,
    ):
        cluster = Cluster(session, url)
        seen = [0]
        # The watches a dev stack keeps open: the operator's Workshops and six child kinds,
        # sync's Workshops (here by label; none of these objects is a Workshop).
        watched = [
            "/apis/orchestra.io/v1/workshops",
            "/apis/orchestra.io/v1/workshops",
            f"{APPS}/deployments",
            "/api/v1/pods",
            "/api/v1/services",
            "/api/v1/persistentvolumeclaims",
            "/apis/networking.k8s.io/v1/ingresses",
            "/apis/networking.k8s.io/v1/networkpolicies",
            "/api/v1/configmaps",
        ]
        watches = [
            asyncio.create_task(watch(cluster, f"{path}?watch=true&labelSelector={LABEL}", seen))
            for path in watched
        ]
        began = time.perf_counter()
        for start in range(0, learners, 20):
            await asyncio.gather(
                *(cluster.add_learner(i) for i in range(start, min(learners, start + 20)))
            )
        await settle(url, pid)
        stored = len((await cluster.call("GET", "/api/v1/pods"))["items"])
        print(
            f"{learners} learners stored in {time.perf_counter() - began:.1f} s "
            f"({stored} pods; {seen[0]} watch events so far)",
            flush=True,
        )
        results: dict[str, float] = {}
        for label, operation in operations(cluster, learners).items():
            samples = []
            for _ in range(arguments.repeats):
                before = cpu_seconds(pid)
                for k in range(arguments.requests):
                    await operation(k)
                samples.append((cpu_seconds(pid) - before) / arguments.requests * 1000)
            results[label] = statistics.median(samples)
            print(f"  {label}: {results[label]:.2f} ms CPU per operation", flush=True)
        for task in watches:
            task.cancel()
        await asyncio.gather(*watches, return_exceptions=True)
        return results


async def main(arguments: argparse.Namespace) -> None:
    table: dict[int, dict[str, float]] = {}
    for learners in arguments.learners:
        table[learners] = await measure(arguments, learners)
    labels = list(next(iter(table.values())))
    print()
    print("| operation | " + " | ".join(f"{n} learners ({n * 6} objects)" for n in table) + " |")
    print("|---|" + "---|" * len(table))
    for label in labels:
        cells = " | ".join(f"{table[n][label]:.2f} ms" for n in table)
        print(f"| {label} | {cells} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, nargs="+", default=[250, 1000, 4000])
    parser.add_argument("--requests", type=int, default=200, help="of each kind, per sample")
    parser.add_argument("--repeats", type=int, default=3, help="samples per kind (median)")
    parser.add_argument("--kubelet-delay", type=float, default=0.5)
    asyncio.run(main(parser.parse_args()))
