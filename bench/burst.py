"""The 9 am burst: a class of learners launches within a minute; how soon is each Ready, at what cost?

Run by hand or by ``make bench`` (never in the test suite; timing is not asserted anywhere):

    .venv/bin/python bench/burst.py                          # 500 learners over 60 s
    .venv/bin/python bench/burst.py --learners 100 --seconds 10 --steady 30

Starts the whole platform as ``make dev`` does (``start_stack``: NATS, Postgres,
the emulated Kubernetes API with its fake kubelet, and the four services as
separate processes with their default settings). ``--learners`` learners (one
launch each, a learner of their own so no limit refuses them) send their launch
at moments spread evenly over ``--seconds``; each POST goes to the api as a
learner behind oauth2-proxy would (identity header from a trusted peer).

Measured, per launch:
- **launch → Ready**: from the api accepting the launch (the instance row's
  ``created_at``) to the cluster reporting Ready (the Ready transition's time in
  the Workshop status, as sync recorded it). The fake kubelet marks a Deployment
  available ``--kubelet-delay`` seconds after it sees it, standing in for the
  image pull and start; the platform's own share is the rest.
- **launch → shown Ready**: to when sync wrote the Ready row (what the dashboard
  then shows within its stream's latency).
- **not Ready** after ``--patience`` seconds past the last launch.
- **Kubernetes API calls**: every request the emulated API server served, by
  verb and resource, during the burst (until every launch is Ready) divided by
  the launches; and then per minute over ``--steady`` seconds with every
  Workshop Ready and nothing happening (the resync's cost at that size).

Results go in docs/src/content/docs/benchmarks/burst.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import ssl
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from orchestra_devstack.cluster.kubeconfigs import read_kubeconfig
from orchestra_devstack.probes import free_port
from orchestra_devstack.stacks import Stack, StackOptions, start_stack

ROOT = Path(__file__).resolve().parents[1]
LAUNCH = {"template": "rstudio", "duration": "2h"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def cluster_url(stack: Stack) -> tuple[str, ssl.SSLContext | None]:
    """Where the emulated cluster is, and what trusts its certificate (under RBAC: HTTPS)."""
    url, _token, context = read_kubeconfig(stack.kubeconfig)
    return url, context


async def requests_served(
    session: aiohttp.ClientSession, url: str, *, reset: bool
) -> dict[str, int]:
    async with session.request("DELETE" if reset else "GET", f"{url}/_devstack/requests") as got:
        body: dict[str, dict[str, int]] = await got.json()
        return body["requests"]


async def launch(
    session: aiohttp.ClientSession, api: str, learner: int, at: float, run: str
) -> str | None:
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    headers = {"X-Auth-Request-Email": f"learner{learner}@{run}.example.org"}
    async with session.post(f"{api}/api/v1/instances", json=LAUNCH, headers=headers) as answer:
        if answer.status != 202:
            print(f"launch {learner}: {answer.status} {await answer.text()}")
            return None
        body: dict[str, Any] = await answer.json()
        return str(body["name"])


READY_SQL = """
SELECT i.name, extract(epoch FROM h.transitioned_at - i.created_at) AS to_ready,
       extract(epoch FROM h.recorded_at - i.created_at) AS to_shown
FROM instances i JOIN instance_history h ON h.instance = i.name AND h.phase = 'Ready'
WHERE i.name = ANY($1::text[])
"""


async def ready(pool: asyncpg.Pool, names: list[str]) -> list[asyncpg.Record]:
    return list(await pool.fetch(READY_SQL, names))


def summary(label: str, values: list[float]) -> str:
    if not values:
        return f"{label}: no values"
    return (
        f"{label}: p50 {statistics.median(values):.2f} s, p99 {percentile(values, 0.99):.2f} s, "
        f"max {max(values):.2f} s"
    )


async def burst(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="orchestra-bench-burst-"))
    os.chmod(workdir, 0o755)  # Postgres runs as its own user and must reach its data dir
    options = StackOptions(
        root=ROOT, workdir=workdir, api_port=free_port(), kubelet_delay=args.kubelet_delay
    )
    stack = await start_stack(options)
    pool = await asyncpg.create_pool(stack.postgres.dsn, min_size=1, max_size=2)
    kube, kube_tls = cluster_url(stack)
    run = f"r{int(time.time())}"
    try:
        connector = aiohttp.TCPConnector(limit=0, ssl=kube_tls or True)
        async with aiohttp.ClientSession(connector=connector) as session:
            await requests_served(session, kube, reset=True)
            start = time.monotonic() + 1.0
            step = args.seconds / max(args.learners - 1, 1)
            launched = await asyncio.gather(
                *(
                    launch(session, stack.api_url, i, start + i * step, run)
                    for i in range(args.learners)
                )
            )
            names = [name for name in launched if name is not None]
            last_launch = time.monotonic()
            found: list[asyncpg.Record] = []
            while time.monotonic() - last_launch < args.patience:
                found = await ready(pool, names)
                if len(found) == len(names):
                    break
                await asyncio.sleep(0.5)
            burst_calls = await requests_served(session, kube, reset=True)
            steady_start = time.monotonic()
            await asyncio.sleep(args.steady)  # a window with nothing happening, by design
            steady_calls = await requests_served(session, kube, reset=False)
            steady_minutes = (time.monotonic() - steady_start) / 60
    finally:
        await pool.close()
        await stack.stop()

    print(
        f"{args.learners} learners over {args.seconds:g} s, kubelet delay {args.kubelet_delay:g} s"
    )
    print(
        f"accepted {len(names)}, Ready {len(found)}, not Ready after {args.patience:g} s: "
        f"{len(names) - len(found)}"
    )
    print(summary("launch -> Ready", [float(r["to_ready"]) for r in found]))
    print(summary("launch -> shown Ready", [float(r["to_shown"]) for r in found]))
    total = sum(burst_calls.values())
    print(
        f"Kubernetes API calls during the burst: {total} ({total / max(len(names), 1):.1f} per launch)"
    )
    for kind, count in sorted(burst_calls.items(), key=lambda item: -item[1]):
        print(f"  {kind}: {count}")
    steady = sum(steady_calls.values())
    print(
        f"at {len(found)} Ready Workshops, idle: {steady / steady_minutes:.0f} calls per minute "
        f"(over {args.steady:g} s)"
    )
    for kind, count in sorted(steady_calls.items(), key=lambda item: -item[1])[:8]:
        print(f"  {kind}: {count}")
    print(f"logs: {workdir}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0, help="launches spread over this")
    parser.add_argument("--kubelet-delay", type=float, default=1.0)
    parser.add_argument("--patience", type=float, default=180.0)
    parser.add_argument("--steady", type=float, default=60.0)
    asyncio.run(burst(parser.parse_args()))


if __name__ == "__main__":
    main()
