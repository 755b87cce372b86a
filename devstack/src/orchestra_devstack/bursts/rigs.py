"""The stack a burst runs against: ``start_stack`` plus a second api and a second operator.

The dev stack runs one replica of each service; production runs the api stateless behind
a load balancer and the operator with a standby (docs/src/content/docs/decisions/0010). The fault runs need that
shape (kill the operator leader, kill an api replica mid-request), so the rig starts a
second replica of each with the first one's command and environment, changing only what
must differ: the api's port, the operator's metrics port and its name in the Lease. There
is no load balancer in the dev stack: the learners (``learners``) spread themselves over
the api addresses and fail over, as a client of two addresses would.

The rig also holds what the checks need: an asyncpg pool that survives a Postgres restart
(``query``) and the emulated cluster's address.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import yaml

from orchestra_devstack.probes import LOOPBACK, free_port, http_ok
from orchestra_devstack.processes import ManagedProcess
from orchestra_devstack.stacks import Stack, StackOptions, start_stack

LEASE = ("coordination.k8s.io/v1", "default", "orchestra-operator")
CAPACITY = "100000"
"""The api's total capacity for a rig: a burst measures the pipeline, not the limit."""


@dataclass
class Rig:
    stack: Stack
    apis: list[ManagedProcess]
    operators: list[ManagedProcess]
    kube_url: str
    workdir: Path
    kubelet_delay: float
    _pool: asyncpg.Pool | None = field(default=None, repr=False)

    @property
    def api_urls(self) -> list[str]:
        return [f"http://{LOOPBACK}:{p.env['ORCHESTRA_API_PORT']}" for p in self.apis]

    def services(self) -> dict[str, ManagedProcess]:
        """Every process of the platform by name (replicas included), for footprints."""
        named = dict(self.stack.processes)
        for process in [*self.apis, *self.operators]:
            named[process.name] = process
        named["nats"] = self.stack.nats.process
        named["postgres"] = self.stack.postgres.process
        with contextlib.suppress(KeyError):  # a real cluster has no process of ours
            named["cluster"] = self.stack.supervisor.get("cluster")  # type: ignore[assignment]
        return named

    async def query(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """Run one query, reconnecting once if Postgres was restarted under the pool."""
        for attempt in range(2):
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self.stack.postgres.dsn, min_size=0, max_size=2
                )
            try:
                return list(await self._pool.fetch(sql, *args))
            except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError):
                pool, self._pool = self._pool, None
                pool.terminate()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def kube(self, session: aiohttp.ClientSession, path: str) -> dict[str, Any]:
        async with session.get(f"{self.kube_url}{path}") as answer:
            answer.raise_for_status()
            body: dict[str, Any] = await answer.json()
            return body

    async def leader(self, session: aiohttp.ClientSession) -> str | None:
        """The operator replica holding the Lease (its identity), or None."""
        version, namespace, name = LEASE
        async with session.get(
            f"{self.kube_url}/apis/{version}/namespaces/{namespace}/leases/{name}"
        ) as answer:
            if answer.status == 404:
                return None
            answer.raise_for_status()
            lease: dict[str, Any] = await answer.json()
        holder = (lease.get("spec") or {}).get("holderIdentity")
        return str(holder) if holder else None

    def operator_named(self, identity: str) -> ManagedProcess:
        for process in self.operators:
            if process.env.get("ORCHESTRA_OPERATOR_IDENTITY") == identity:
                return process
        raise KeyError(identity)

    async def stop(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
        await self.stack.stop()


def _replica(
    first: ManagedProcess, name: str, workdir: Path, env: Mapping[str, str]
) -> ManagedProcess:
    if "ORCHESTRA_API_PORT" in env:
        probe = http_ok(f"http://{LOOPBACK}:{env['ORCHESTRA_API_PORT']}/healthz")
    else:
        port = env["ORCHESTRA_OPERATOR_METRICS_PORT"]
        probe = http_ok(f"http://{LOOPBACK}:{port}/metrics")
    return ManagedProcess(
        name,
        first.argv,
        log_path=workdir / f"{name}.log",
        env={**first.env, **env},
        cwd=first.cwd,
        health=probe,
        start_timeout=first.start_timeout,
    )


async def start_rig(
    root: Path,
    *,
    workdir: Path | None = None,
    kubelet_delay: float = 1.0,
    service_env: Mapping[str, Mapping[str, str]] | None = None,
) -> Rig:
    """The whole stack with two api and two operator replicas; ``Rig.stop`` ends it all."""
    if workdir is None:
        workdir = Path(tempfile.mkdtemp(prefix="orchestra-burst-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o755)  # Postgres runs as its own user and must reach its data dir
    extra = {name: dict(values) for name, values in (service_env or {}).items()}
    extra.setdefault("api", {}).setdefault("ORCHESTRA_API_CAPACITY_TOTAL", CAPACITY)
    extra.setdefault("operator", {})["ORCHESTRA_OPERATOR_IDENTITY"] = "operator-1"
    options = StackOptions(
        root=root,
        workdir=workdir,
        api_port=free_port(),
        kubelet_delay=kubelet_delay,
        service_env=extra,
        # Measured as the platform's own cost: the rig reads the cluster (requests, the
        # Lease) as a plain client. RBAC is proven by tests/permissions, not here.
        enforce_rbac=False,
    )
    stack = await start_stack(options)
    try:
        config = yaml.safe_load(stack.kubeconfig.read_text())
        api, operator = stack.service("api"), stack.service("operator")
        second_api = _replica(api, "api-2", workdir, {"ORCHESTRA_API_PORT": str(free_port())})
        second_operator = _replica(
            operator,
            "operator-2",
            workdir,
            {
                "ORCHESTRA_OPERATOR_METRICS_PORT": str(free_port()),
                "ORCHESTRA_OPERATOR_IDENTITY": "operator-2",
            },
        )
        await asyncio.gather(
            stack.supervisor.start(second_api), stack.supervisor.start(second_operator)
        )
    except BaseException:
        await stack.stop()
        raise
    return Rig(
        stack=stack,
        apis=[api, second_api],
        operators=[operator, second_operator],
        kube_url=str(config["clusters"][0]["cluster"]["server"]),
        workdir=workdir,
        kubelet_delay=kubelet_delay,
    )
