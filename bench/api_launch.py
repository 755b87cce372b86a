"""Launch latency of the api under a class-sized burst: 200 learners click "launch" at once.

Run by hand (never in the test suite; timing is not asserted anywhere):

    .venv/bin/python bench/api_launch.py                      # 200 clients, 5 rounds, 5 runs
    .venv/bin/python bench/api_launch.py --clients 50 --runs 3

Starts a real Postgres and a real NATS on loopback (the devstack starters),
migrates, and runs the api as its installed command (``orchestra-api``:
uvicorn, one process, the outbox relay inside, as deployed). Each round,
``--clients`` concurrent clients (one learner each, new learners every round,
so no limit refuses them) POST one launch each at the same moment; latency is
measured from just before the request is sent to the full response. A run is
``--rounds`` rounds; it reports p50, p99 and max over its launches, and the
summary is the median of each over the runs. Every launch must be a 202 and
every launch event must have left the outbox by the end of the run. Results
go in docs/src/content/docs/benchmarks/api.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import asyncpg

from orchestra_devstack.natsservers import start_nats
from orchestra_devstack.postgresservers import create_database, start_postgres
from orchestra_devstack.probes import free_port
from orchestra_shared.migrating import upgrade_database_async

LAUNCH = {"template": "rstudio", "duration": "1h"}
ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "charts" / "orchestra" / "files" / "templates"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def wait_ready(session: aiohttp.ClientSession, base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            async with session.get(f"{base}/readyz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the api did not become ready")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux), to report the api's cost per launch."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_round(
    session: aiohttp.ClientSession, base: str, *, run: int, round_: int, clients: int
) -> list[float]:
    start = asyncio.Event()

    async def learner(i: int) -> float:
        headers = {"X-Auth-Request-Email": f"r{run}-{round_}-{i}@bench.example.org"}
        await start.wait()
        began = time.perf_counter()
        async with session.post(
            f"{base}/api/v1/instances", json=LAUNCH, headers=headers
        ) as response:
            text = await response.text()
        elapsed = time.perf_counter() - began
        if response.status != 202:
            raise RuntimeError(f"launch answered {response.status}: {text}")
        return elapsed

    tasks = [asyncio.create_task(learner(i)) for i in range(clients)]
    await asyncio.sleep(0.05)  # every client waiting at the gate
    start.set()
    return list(await asyncio.gather(*tasks))


async def one_run(base: str, dsn: str, *, run: int, clients: int, rounds: int) -> list[float]:
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        # Open the connections outside the measurement: a class's browsers are connected.
        async def warm() -> None:
            async with session.get(f"{base}/healthz") as response:
                await response.read()

        await asyncio.gather(*(warm() for _ in range(clients)))
        for round_ in range(rounds):
            latencies += await one_round(session, base, run=run, round_=round_, clients=clients)
            await asyncio.sleep(0.5)  # the next class, not a queue behind this one
    connection = await asyncpg.connect(dsn)
    try:
        for _ in range(100):
            if not await connection.fetchval(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL"
            ):
                break
            await asyncio.sleep(0.1)
        else:
            raise RuntimeError("launch events still in the outbox at the end of the run")
    finally:
        await connection.close()
    return latencies


async def main(arguments: argparse.Namespace) -> None:
    postgres = await start_postgres()
    nats_server = await start_nats()
    api: asyncio.subprocess.Process | None = None
    try:
        await create_database(postgres.admin_dsn, "bench")
        dsn = postgres.dsn_for("bench")
        await upgrade_database_async(dsn)
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRA_")},
            "ORCHESTRA_API_DATABASE_DSN": dsn,
            "ORCHESTRA_API_NATS_URL": nats_server.url,
            "ORCHESTRA_API_PORT": str(port),
            "ORCHESTRA_API_CATALOG_DIR": str(CATALOG),
            "ORCHESTRA_API_ENVIRONMENT": "development",
            "ORCHESTRA_API_CAPACITY_TOTAL": "1000000",
            "ORCHESTRA_API_DATABASE_POOL_SIZE": str(arguments.pool_size),
            "ORCHESTRA_API_IDENTITY": "trusted-headers",  # loopback plays oauth2-proxy
        }
        command = Path(sys.executable).parent / "orchestra-api"
        api = await asyncio.create_subprocess_exec(
            str(command), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as probe:
            await wait_ready(probe, base)
        summaries = []
        for run in range(arguments.runs):
            cpu_before = cpu_seconds(api.pid)
            latencies = await one_run(
                base, dsn, run=run, clients=arguments.clients, rounds=arguments.rounds
            )
            cpu = (cpu_seconds(api.pid) - cpu_before) / len(latencies) * 1000
            p50, p99, worst = (
                percentile(latencies, 0.5) * 1000,
                percentile(latencies, 0.99) * 1000,
                max(latencies) * 1000,
            )
            summaries.append((p50, p99, worst))
            print(
                f"run {run + 1}: {len(latencies)} launches, "
                f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {worst:.1f} ms; "
                f"api CPU {cpu:.2f} ms per launch",
                flush=True,
            )
        print(
            f"median of {arguments.runs} runs ({arguments.clients} concurrent clients, "
            f"{arguments.rounds} rounds each): "
            f"p50 {statistics.median(s[0] for s in summaries):.1f} ms, "
            f"p99 {statistics.median(s[1] for s in summaries):.1f} ms, "
            f"max {statistics.median(s[2] for s in summaries):.1f} ms"
        )
    finally:
        if api is not None:
            api.terminate()
            await asyncio.wait_for(api.wait(), timeout=30)
        await nats_server.close()
        await postgres.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pool-size", type=int, default=10)
    asyncio.run(main(parser.parse_args()))
