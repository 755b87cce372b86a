"""Starting the whole platform for an end-to-end test, and talking to its API."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from orchestra_devstack.probes import free_port
from orchestra_devstack.stacks import Stack, StackOptions, start_stack

ROOT = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def running_stack(
    *,
    kubelet_delay: float = 0.5,
    failing_images: Mapping[str, str] | None = None,
    service_env: Mapping[str, Mapping[str, str]] | None = None,
    common_env: Mapping[str, str] | None = None,
    workdir: Path | None = None,
    catalog_dir: Path | None = None,
) -> AsyncIterator[Stack]:
    """The platform; ``workdir`` keeps its state (Postgres, JetStream) for a later run."""
    if workdir is None:
        workdir = Path(tempfile.mkdtemp(prefix="orchestra-e2e-"))
    os.chmod(workdir, 0o755)  # Postgres runs as its own user and must reach its data dir
    options = StackOptions(
        root=ROOT,
        workdir=workdir,
        api_port=free_port(),
        kubelet_delay=kubelet_delay,
        failing_images=dict(failing_images or {}),
        service_env={
            "expiry": {"ORCHESTRA_EXPIRY_TICK": "0.1"},
            "operator": {"ORCHESTRA_OPERATOR_RECONCILE_INTERVAL": "0.5"},
            **(service_env or {}),
        },
        common_env=dict(common_env or {}),
        catalog_dir=catalog_dir,
    )
    stack = await start_stack(options)
    try:
        yield stack
    finally:
        await stack.stop()


def as_learner(email: str) -> dict[str, str]:
    return {"X-Auth-Request-Email": email}


async def wait_for(
    probe: Callable[[], Any], *, until: Callable[[Any], bool], timeout: float, what: str
) -> Any:
    """Poll ``probe`` until ``until(result)``; fail with the last result after ``timeout``."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = await probe()
        if until(last):
            return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last seen: {last!r}")


async def instance(client: httpx.AsyncClient, name: str, email: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/instances/{name}", headers=as_learner(email))
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


async def history(client: httpx.AsyncClient, name: str, email: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/instances/{name}/history", headers=as_learner(email))
    response.raise_for_status()
    transitions: list[dict[str, Any]] = response.json()["transitions"]
    return transitions
