"""One launch through every service, as separate processes, over real HTTP, NATS and Postgres.

api → outbox → NATS → operator → (emulated) Kubernetes → sync → Postgres →
api, then expiry → NATS → operator → Kubernetes → sync → Postgres. Nothing may
be left running afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.stacking import as_learner, history, instance, running_stack, wait_for

# Above the sum of the waits below plus starting and stopping the stack (a minute or
# more each on a loaded machine): the bound only catches a hang.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(330)]
ADA = "ada@example.org"
GRACE = "grace@example.org"


def kubectl_json(kubeconfig: Path, *args: str) -> dict[str, Any]:
    """kubectl from the pinned wheel, against the cluster the stack runs."""
    kubectl = Path(sys.executable).parent / "kubectl"
    done = subprocess.run(
        [str(kubectl), "--kubeconfig", str(kubeconfig), *args, "-o", "json"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def phases(transitions: list[dict[str, object]]) -> list[object]:
    return [t["phase"] for t in transitions]


async def test_a_launch_becomes_ready_expires_and_leaves_nothing_running() -> None:
    async with running_stack() as stack:
        pids = [p.pid for p in stack.processes.values()] + [stack.nats.pid, stack.postgres.pid]
        async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client:
            me = (await client.get("/api/v1/me", headers=as_learner(ADA))).json()
            assert me["cluster"] == "emulated"
            assert "no pod really runs" in me["cluster_note"]

            launched = await client.post(
                "/api/v1/instances",
                json={"template": "rstudio", "duration": "12s"},
                headers=as_learner(ADA),
            )
            assert launched.status_code == 202, launched.text
            name = launched.json()["name"]
            assert launched.json()["phase"] == "Requested"

            ready = await wait_for(
                lambda: instance(client, name, ADA),
                until=lambda body: body["phase"] == "Ready",
                timeout=60,
                what=f"{name} to be Ready",
            )
            assert ready["url"] == stack.gate_url.format(instance=name)  # behind the gate
            assert ready["ready_at"] is not None
            assert phases(await history(client, name, ADA))[-1] == "Ready"
            workshops = kubectl_json(stack.kubeconfig, "get", "workshops", "--all-namespaces")
            (workshop,) = workshops["items"]
            assert workshop["metadata"]["name"] == name
            assert workshop["status"]["phase"] == "Ready"
            assert ADA not in json.dumps(workshop["metadata"]["labels"])

            ended = await wait_for(
                lambda: instance(client, name, ADA),
                until=lambda body: body["phase"] == "Terminated",
                timeout=60,
                what=f"{name} to expire",
            )
            assert ended["reason"] == "expired"
            transitions = await history(client, name, ADA)
            assert phases(transitions) == ["Provisioning", "Ready", "Terminated"]
            times = [t["transitioned_at"] for t in transitions]
            assert times == sorted(times)

            # Another learner cannot see it: 404, exactly like a missing instance.
            other = await client.get(f"/api/v1/instances/{name}", headers=as_learner(GRACE))
            assert other.status_code == 404
            assert other.headers["content-type"] == "application/problem+json"
    for pid in pids:
        assert pid is not None
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


async def test_delete_terminates_early_and_anonymous_calls_are_refused() -> None:
    async with (
        running_stack() as stack,
        httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client,
    ):
        anonymous = await client.post("/api/v1/instances", json={"template": "jupyter"})
        assert anonymous.status_code == 401
        assert anonymous.json()["type"].endswith("/unauthenticated")

        launched = await client.post(
            "/api/v1/instances", json={"template": "jupyter"}, headers=as_learner(GRACE)
        )
        name = launched.json()["name"]
        await wait_for(
            lambda: instance(client, name, GRACE),
            until=lambda body: body["phase"] == "Ready",
            timeout=60,
            what=f"{name} to be Ready",
        )
        deleted = await client.delete(f"/api/v1/instances/{name}", headers=as_learner(GRACE))
        assert deleted.status_code == 202
        ended = await wait_for(
            lambda: instance(client, name, GRACE),
            until=lambda body: body["phase"] == "Terminated",
            timeout=60,
            what=f"{name} to terminate",
        )
        assert ended["reason"] == "user"
