"""Expiry lateness: how long after ``expiresAt`` the terminate request reaches a listener.

Run by hand (never in the test suite; timing is not asserted anywhere):

    .venv/bin/python bench/expiry_lateness.py                 # 1,000 schedules, 5 runs
    .venv/bin/python bench/expiry_lateness.py --window 0      # all due in the same instant

Each run starts from an empty schedule on a real Postgres and a real NATS
(both on loopback, started here), writes ``--schedules`` deadlines spread
evenly over ``--window`` seconds starting ``--lead`` seconds from now, runs
the service's real firing loop (``firing.fire_forever`` with the service's
default tick and batch size) and listens on the terminate subject as the
operator would. Lateness of one deadline = the moment its terminate request is
received - its ``expiresAt``. Each run reports p50, p99 and max; the summary
is the median of each over the runs. Results go in docs/src/content/docs/benchmarks/expiry.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta

import asyncpg
import nats
from nats.aio.msg import Msg

from orchestra_devstack.natsservers import start_nats
from orchestra_devstack.postgresservers import create_database, start_postgres
from orchestra_expiry.config import ExpirySettings
from orchestra_expiry.firing import fire_as_configured
from orchestra_shared import subjects
from orchestra_shared.events import TerminateRequested, parse_event
from orchestra_shared.migrating import upgrade_database_async
from orchestra_shared.streaming import ensure_stream


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def one_run(
    dsn: str, nats_url: str, *, count: int, window: float, lead: float, settings: ExpirySettings
) -> list[float]:
    """Lateness in seconds of every deadline of one run."""
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=settings.database_pool_size)
    client = await nats.connect(nats_url)
    js = client.jetstream()
    await ensure_stream(js)
    await pool.execute("TRUNCATE expiry_schedule")
    start = datetime.now(UTC) + timedelta(seconds=lead)
    step = window / max(1, count - 1)
    deadlines = {f"bench-{i:05}": start + timedelta(seconds=i * step) for i in range(count)}
    # Launched and Ready long ago: only the deadline matters here, not the startup.
    await pool.executemany(
        """INSERT INTO expiry_schedule (instance, owner, expires_at, revision, warned,
               startup_settled_at)
           VALUES ($1, 'bench@example.org', $2, 0, $3, now())""",
        [(name, deadline, settings.warning_leads) for name, deadline in deadlines.items()],
    )
    received: dict[str, float] = {}
    done = asyncio.Event()

    async def on_terminate(message: Msg) -> None:
        arrived = time.time()
        event = parse_event(message.data)
        if isinstance(event, TerminateRequested) and event.instance in deadlines:
            received.setdefault(event.instance, arrived)
            if len(received) == count:
                done.set()

    listener = await client.subscribe(subjects.TERMINATE_REQUESTED, cb=on_terminate)
    firing = asyncio.create_task(fire_as_configured(pool, js, settings))
    try:
        await asyncio.wait_for(done.wait(), timeout=lead + window + 60)
    finally:
        firing.cancel()
        await asyncio.gather(firing, return_exceptions=True)
        await listener.unsubscribe()
        await client.close()
        await pool.close()
    return [received[name] - deadline.timestamp() for name, deadline in deadlines.items()]


async def main(args: argparse.Namespace) -> None:
    settings = ExpirySettings()  # the service defaults, unless ORCHESTRA_EXPIRY_* says otherwise
    async with await start_nats() as nats_server, await start_postgres() as postgres:
        await create_database(postgres.admin_dsn, "bench")
        dsn = postgres.dsn_for("bench")
        await upgrade_database_async(dsn)
        print(
            f"{args.schedules} schedules over {args.window} s, tick {settings.tick} s, "
            f"batch {settings.batch_size}, {args.runs} runs"
        )
        rows = []
        for run in range(1, args.runs + 1):
            lateness = await one_run(
                dsn,
                nats_server.url,
                count=args.schedules,
                window=args.window,
                lead=args.lead,
                settings=settings,
            )
            ms = [value * 1000 for value in lateness]
            row = (percentile(ms, 0.5), percentile(ms, 0.99), max(ms))
            rows.append(row)
            print(f"run {run}: p50 {row[0]:7.1f} ms  p99 {row[1]:7.1f} ms  max {row[2]:7.1f} ms")
        medians = [statistics.median(column) for column in zip(*rows, strict=True)]
        print(
            f"median of runs: p50 {medians[0]:.1f} ms  p99 {medians[1]:.1f} ms  "
            f"max {medians[2]:.1f} ms"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=1000, help="deadlines per run")
    parser.add_argument("--window", type=float, default=2.0, help="seconds they are spread over")
    parser.add_argument("--lead", type=float, default=3.0, help="seconds until the first one")
    parser.add_argument("--runs", type=int, default=5, help="runs; the summary is their median")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
