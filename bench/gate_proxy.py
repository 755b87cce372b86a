"""What the workshop gate costs: memory per process and latency added per request.

Run by hand or with ``make bench`` (never in the test suite; timing is asserted nowhere):

    .venv/bin/python bench/gate_proxy.py                      # 5 runs
    .venv/bin/python bench/gate_proxy.py --runs 3 --requests 500 --sockets 200

Starts a real Postgres on loopback (the devstack starter), migrates, and runs
the stand-in application (``python -m orchestra_devstack.standin``) and the gate
as its installed command (``orchestra-gate``, one process, as deployed). One
ticket is redeemed for a session cookie; then each run times, from just before
the request is sent to the full response:

- ``--requests`` sequential GETs of a small JSON page, straight to the
  application and through the gate (alternating, so both see the same machine);
- the same with ``--concurrency`` clients at once;
- ``--requests`` WebSocket echo round trips on one connection, direct and through
  the gate.

It reports the median of each run's median and p99, the ratio gate/direct, and
the gate's CPU time per proxied GET (from ``/proc``, over the sequential GETs).
Memory is the gate process's resident set (``VmRSS``) when idle after start-up
(what one sidecar per workshop would cost), and with ``--sockets`` WebSockets
open through it, one per workshop, all with sessions (what one shared replica
holds per connected workshop). Results go in docs/src/content/docs/benchmarks/gate.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from orchestra_devstack.postgresservers import create_database, start_postgres
from orchestra_devstack.probes import free_port
from orchestra_devstack.standin.browsing import browser
from orchestra_shared.migrating import upgrade_database_async
from orchestra_shared.passes import Pass, seal

INSTANCE = "bench-1-abc"
TICKET_SECRET = "bench-only-ticket-secret-0123456789abcdef"
SESSION_SECRET = "bench-only-session-secret-0123456789abcdef"


def ticket(instance: str) -> str:
    """What the api mints when the owner clicks Open."""
    granted = Pass(
        purpose="ticket",
        instance=instance,
        subject="ada@example.org",
        namespace="orchestra-u-0123456789abcdef",
        expires_at=int(time.time()) + 60,
    )
    return seal(granted, TICKET_SECRET)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as probe:
        while time.monotonic() < deadline:
            try:
                async with probe.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


async def timed(call: Callable[[], Awaitable[None]], count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        latencies.append(time.perf_counter() - started)
    return latencies


async def enter(client: aiohttp.ClientSession, workshop_url: str, instance: str) -> None:
    """Redeem one ticket: the client's cookie jar then holds the workshop's session."""
    async with client.get(f"{workshop_url}_orchestra/open?ticket={ticket(instance)}") as response:
        assert response.status == 200, response.status


async def http_pair(
    client: aiohttp.ClientSession, direct: str, through: str, count: int
) -> tuple[list[float], list[float]]:
    async def get(url: str) -> None:
        async with client.get(url) as response:
            await response.read()
            assert response.status == 200, response.status

    direct_times, gate_times = [], []
    for _ in range(count):  # alternate, so both see the same moment of a shared machine
        direct_times += await timed(lambda: get(direct), 1)
        gate_times += await timed(lambda: get(through), 1)
    return direct_times, gate_times


async def concurrent(
    client: aiohttp.ClientSession, url: str, clients: int, each: int
) -> list[float]:
    async def one() -> list[float]:
        async def get() -> None:
            async with client.get(url) as response:
                await response.read()

        return await timed(get, each)

    results = await asyncio.gather(*(one() for _ in range(clients)))
    return [t for r in results for t in r]


async def websocket_times(client: aiohttp.ClientSession, url: str, count: int) -> list[float]:
    async with client.ws_connect(url) as socket:

        async def echo() -> None:
            await socket.send_str("ping")
            await socket.receive_str()

        return await timed(echo, count)


def summary(name: str, direct: list[list[float]], gate: list[list[float]]) -> None:
    def med(runs: list[list[float]], fraction: float) -> float:
        return statistics.median(percentile(r, fraction) for r in runs) * 1000

    d50, g50, d99, g99 = med(direct, 0.5), med(gate, 0.5), med(direct, 0.99), med(gate, 0.99)
    print(
        f"{name:34} direct p50 {d50:6.2f} ms p99 {d99:6.2f} ms | through the gate "
        f"p50 {g50:6.2f} ms p99 {g99:6.2f} ms | added p50 {g50 - d50:+.2f} ms, "
        f"ratio {g50 / d50:.2f}x",
        flush=True,
    )


async def main(arguments: argparse.Namespace) -> None:
    postgres = await start_postgres()
    processes: list[asyncio.subprocess.Process] = []
    try:
        await create_database(postgres.admin_dsn, "bench")
        dsn = postgres.dsn_for("bench")
        await upgrade_database_async(dsn)
        app_port, gate_port, metrics_port = free_port(), free_port(), free_port()
        clean = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRA_")}
        standin = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "orchestra_devstack.standin", "--port", str(app_port),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        processes.append(standin)
        env = {
            **clean,
            "ORCHESTRA_GATE_ENVIRONMENT": "development",
            "ORCHESTRA_GATE_HOST": "127.0.0.1",
            "ORCHESTRA_GATE_PORT": str(gate_port),
            "ORCHESTRA_GATE_METRICS_HOST": "127.0.0.1",
            "ORCHESTRA_GATE_METRICS_PORT": str(metrics_port),
            "ORCHESTRA_GATE_BASE_DOMAIN": "localhost",
            "ORCHESTRA_GATE_COOKIE_SECURE": "false",
            "ORCHESTRA_GATE_TICKET_SECRET": TICKET_SECRET,
            "ORCHESTRA_GATE_SESSION_SECRET": SESSION_SECRET,
            "ORCHESTRA_GATE_UPSTREAM": f"http://127.0.0.1:{app_port}",
            "ORCHESTRA_GATE_DATABASE_DSN": dsn,
            "ORCHESTRA_GATE_DATABASE_POOL_SIZE": "4",
        }
        gate = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "orchestra-gate"),
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        processes.append(gate)
        await wait_up(f"http://127.0.0.1:{app_port}/_standin/request")
        await wait_up(f"http://127.0.0.1:{metrics_port}/metrics")
        await asyncio.sleep(1)  # let start-up allocations settle before reading the RSS
        idle = rss_mib(gate.pid)
        print(f"gate RSS idle after start-up: {idle:.1f} MiB", flush=True)

        def workshop(instance: str) -> str:
            return f"http://{instance}.localhost:{gate_port}/"

        direct_page = f"http://127.0.0.1:{app_port}/_standin/request"
        gate_page = workshop(INSTANCE) + "_standin/request"
        runs: dict[str, tuple[list[list[float]], list[list[float]]]] = {
            "sequential GET": ([], []),
            f"{arguments.concurrency} concurrent GETs": ([], []),
            "WebSocket echo round trip": ([], []),
        }
        async with browser() as client:
            await enter(client, workshop(INSTANCE), INSTANCE)
            await http_pair(client, direct_page, gate_page, 50)  # warm both paths
            cpu_per_request = []
            for run in range(arguments.runs):
                cpu_before = cpu_seconds(gate.pid)
                d, g = await http_pair(client, direct_page, gate_page, arguments.requests)
                cpu_per_request.append((cpu_seconds(gate.pid) - cpu_before) / len(g) * 1000)
                runs["sequential GET"][0].append(d)
                runs["sequential GET"][1].append(g)
                each = max(1, arguments.requests // arguments.concurrency)
                key = f"{arguments.concurrency} concurrent GETs"
                runs[key][0].append(
                    await concurrent(client, direct_page, arguments.concurrency, each)
                )
                runs[key][1].append(
                    await concurrent(client, gate_page, arguments.concurrency, each)
                )
                ws_direct = f"ws://127.0.0.1:{app_port}/ws"
                ws_gate = workshop(INSTANCE).replace("http", "ws", 1) + "ws"
                runs["WebSocket echo round trip"][0].append(
                    await websocket_times(client, ws_direct, arguments.requests)
                )
                runs["WebSocket echo round trip"][1].append(
                    await websocket_times(client, ws_gate, arguments.requests)
                )
                print(f"run {run + 1} done; gate RSS {rss_mib(gate.pid):.1f} MiB", flush=True)
        for name, (direct, through) in runs.items():
            summary(name, direct, through)
        print(f"gate CPU per proxied GET: {statistics.median(cpu_per_request):.2f} ms (median)")

        # One shared replica holding many workshops' sessions and sockets at once.
        sockets = []
        clients = [browser() for _ in range(arguments.sockets)]
        try:
            for number, client in enumerate(clients):
                instance = f"bench-{number}-ws"
                await enter(client, workshop(instance), instance)
                sockets.append(
                    await client.ws_connect(workshop(instance).replace("http", "ws", 1) + "ws")
                )
            await asyncio.sleep(1)
            loaded = rss_mib(gate.pid)
            print(
                f"gate RSS with {arguments.sockets} workshops' WebSockets open: {loaded:.1f} MiB "
                f"({(loaded - idle) * 1024 / arguments.sockets:.0f} KiB per connected workshop)"
            )
        finally:
            for socket in sockets:
                await socket.close()
            for client in clients:
                await client.close()
    finally:
        for process in processes:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=30)
        await postgres.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--sockets", type=int, default=200)
    asyncio.run(main(parser.parse_args()))
