"""Sync lag: from a Workshop's phase change in the cluster to its history row in Postgres.

Run by hand (never in the test suite; timing is not asserted anywhere):

    .venv/bin/python bench/sync_lag.py                      # 500 workshops, 3 runs
    .venv/bin/python bench/sync_lag.py --spread 2                # each round spread over 2 s

Starts a real Postgres and a real NATS on loopback and the emulated Kubernetes
API in this process (without its fake kubelet), and runs the real sync service
as a separate process (``orchestra-sync``), as in production: it does not share
this process's event loop. Each run creates ``--workshops`` Workshops, then
moves all of them through Pending → Provisioning → Ready and deletes them,
one phase at a time, every Workshop of a round written in one burst (the 9 am
class), the status written as the operator writes it (phase, phaseChangedAt,
Ready condition, status.transitions). Lag of one transition = its history
row's ``recorded_at`` - its cluster time (``transitioned_at``); the deletion's
cluster time is when sync saw the DELETED event, so Terminated rows are left
out of the lag and only counted. Announce lag (the outbox row's
``published_at`` - cluster time) is reported beside it. Each run reports p50,
p99 and max; the summary is the median of each over the runs. ``ORCHESTRA_SYNC_*``
variables set around the bench reach the sync process (e.g. ``RECORD_CONCURRENCY``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from orchestra_devstack.cluster.serving import EmulatedCluster
from orchestra_devstack.natsservers import start_nats
from orchestra_devstack.postgresservers import start_postgres
from orchestra_shared.migrating import upgrade_database_async
from orchestra_shared.workshops import GROUP, PLURAL, TRANSITIONS_KEPT, VERSION

ROOT = Path(__file__).resolve().parents[1]
CRD = ROOT / "charts" / "orchestra" / "crds" / "workshops.yaml"
NAMESPACE = "orchestra-u-bench"
PHASES = ("Pending", "Provisioning", "Ready")


def stamp(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def move(cluster: EmulatedCluster, name: str, phase: str) -> None:
    definition = cluster.registry.find(GROUP, VERSION, PLURAL)
    assert definition is not None
    now = stamp(datetime.now(UTC))

    def change(body: dict[str, object]) -> dict[str, object]:
        status = dict(body.get("status") or {})  # type: ignore[call-overload]
        transitions = [*status.get("transitions", []), {"phase": phase, "time": now}]
        status.update(
            phase=phase,
            phaseChangedAt=now,
            url=f"https://{name}.bench.example.org/",
            conditions=[
                {
                    "type": "Ready",
                    "status": "True" if phase == "Ready" else "False",
                    "reason": phase,
                    "lastTransitionTime": now,
                }
            ],
            transitions=transitions[-TRANSITIONS_KEPT:],
        )
        body["status"] = status
        return body

    cluster.store.update(definition, NAMESPACE, name, change, subresource="status")


async def wait_count(pool: asyncpg.Pool, sql: str, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while await pool.fetchval(sql) < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{sql!r} did not reach {expected} within {timeout}s")
        await asyncio.sleep(0.05)


async def one_run(
    cluster: EmulatedCluster, pool: asyncpg.Pool, *, run: int, count: int, spread: float = 0.0
) -> tuple[list[float], list[float], int]:
    definition = cluster.registry.find(GROUP, VERSION, PLURAL)
    assert definition is not None
    names = [f"bench-{run}-{i:04d}".replace("--", "-w") for i in range(count)]
    expires = datetime.now(UTC) + timedelta(hours=1)
    await pool.executemany(
        """INSERT INTO instances (name, owner, template_slug, template_name, resolved_spec,
                                  requested_duration_seconds, expires_at)
           VALUES ($1, 'bench@example.org', 'rstudio', 'RStudio', '{}'::jsonb, 3600, $2)""",
        [(name, expires) for name in names],
    )
    for name in names:
        body = {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "Workshop",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {  # the CRD's required fields: the emulated cluster checks them
                "owner": "bench@example.org",
                "template": "rstudio",
                "templateName": "RStudio",
                "image": "rocker/rstudio:4.4",
                "port": 8787,
                "expiresAt": stamp(expires),
            },
        }
        cluster.store.create(definition, NAMESPACE, body)
    await asyncio.sleep(0.5)
    in_run = f"instance LIKE '{names[0].rsplit('-', 1)[0]}-%'"
    for round_, phase in enumerate(PHASES, start=1):
        for name in names:
            move(cluster, name, phase)
            await asyncio.sleep(spread / count)  # 0: one burst (the watch streams it after)
        await wait_count(
            pool, f"SELECT count(*) FROM instance_history WHERE {in_run}", count * round_, 120
        )
    for name in names:
        cluster.store.delete(definition, NAMESPACE, name)
    await wait_count(
        pool,
        f"SELECT count(*) FROM instance_history WHERE {in_run} AND phase = 'Terminated'",
        count,
        120,
    )
    await wait_count(
        pool,
        f"SELECT count(*) FROM sync_outbox WHERE {in_run} AND published_at IS NOT NULL",
        count * 4,
        120,
    )
    rows = await pool.fetch(
        f"""SELECT extract(epoch FROM h.recorded_at - h.transitioned_at) AS recorded,
                   extract(epoch FROM o.published_at - h.transitioned_at) AS announced
            FROM instance_history h
            JOIN sync_outbox o ON o.instance = h.instance
                 AND o.payload->>'phase' = h.phase
            WHERE h.{in_run} AND h.phase <> 'Terminated'"""
    )
    recorded = [float(r["recorded"]) for r in rows]
    announced = [float(r["announced"]) for r in rows]
    return recorded, announced, count * 4


def summary(label: str, values: list[float]) -> tuple[float, float, float]:
    result = (percentile(values, 0.5), percentile(values, 0.99), max(values))
    print(f"  {label:<9} p50 {result[0]:.3f} s   p99 {result[1]:.3f} s   max {result[2]:.3f} s")
    return result


async def main(count: int, runs: int, spread: float) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="orchestra-bench-sync-"))
    postgres = await start_postgres()
    nats_server = await start_nats()
    process = None
    try:
        await upgrade_database_async(postgres.dsn)
        async with EmulatedCluster(
            crd_paths=[CRD], kubelet=False, strict_namespaces=False, event_log_capacity=100_000
        ) as cluster:
            kubeconfig = cluster.write_kubeconfig(workdir / "kubeconfig")
            env = {
                **os.environ,
                "ORCHESTRA_SYNC_DATABASE_DSN": postgres.dsn,
                "ORCHESTRA_SYNC_NATS_URL": nats_server.url,
                "ORCHESTRA_SYNC_KUBECONFIG": str(kubeconfig),
                "ORCHESTRA_SYNC_METRICS_PORT": "0",
            }
            log = (workdir / "sync.log").open("wb")
            process = await asyncio.create_subprocess_exec(
                str(Path(sys.executable).parent / "orchestra-sync"), env=env, stderr=log
            )
            pool = await asyncpg.create_pool(postgres.dsn, min_size=1, max_size=4)
            await one_run(cluster, pool, run=-1, count=1)  # warm-up: sync started and watching
            results = []
            for run in range(runs):
                recorded, announced, transitions = await one_run(
                    cluster, pool, run=run, count=count, spread=spread
                )
                print(f"run {run + 1}: {count} workshops, {transitions} transitions")
                results.append((summary("recorded", recorded), summary("announced", announced)))
            await pool.close()
            print(f"\nmedians over {runs} runs ({count} workshops):")
            for index, label in enumerate(("recorded", "announced")):
                p50, p99, worst = (
                    statistics.median(r[index][k] for r in results) for k in range(3)
                )
                print(f"  {label:<9} p50 {p50:.3f} s   p99 {p99:.3f} s   max {worst:.3f} s")
            print(json.dumps({"workshops": count, "runs": runs, "load": os.getloadavg()}))
    finally:
        if process is not None and process.returncode is None:
            process.terminate()
            await process.wait()
        await nats_server.close()
        await postgres.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workshops", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--spread", type=float, default=0.0, help="seconds over which one round is written"
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.workshops, arguments.runs, arguments.spread))
