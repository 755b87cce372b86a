"""Join → Ready for a class with a warm pool and without one: what does the pool buy a learner?

Run by hand or by ``make bench BENCH=warm_pools`` (never in the test suite; timing is not
asserted anywhere; the correctness version is tests/e2e/test_warm_pools.py):

    .venv/bin/python bench/warm_pools.py                       # a class of 30, a pool of 10
    .venv/bin/python bench/warm_pools.py --learners 60 --pool 20 --kubelet-delay 10

One rig (``orchestra_devstack.bursts.rigs``: the platform as ``make dev`` starts it, as
separate processes, with two api and two operator replicas, NATS and Postgres of its own,
and the emulated Kubernetes API whose fake kubelet marks a Deployment available
``--kubelet-delay`` seconds after it sees it, standing in for the image pull and start-up).
Two classes of ``--learners`` each, starting in 5 minutes (so a pool's lead time has begun):

1. **without a pool**: every learner joins at the same moment (one POST each, all at once);
   each gets a normal launch;
2. **with a pool** of ``--pool``: once the keeper has that many warm instances Ready, every
   learner joins at the same moment; the first ``--pool`` claim a warm instance, the others
   get a normal launch while the pool refills beside them.

Timed per learner, on one clock (everything runs on this machine): from the moment its join
POST is sent to the moment its workshop is Ready. For a normal launch, Ready is the cluster's
transition time as sync records it (``instances.ready_at``); for a claim, the workshop is
Ready before the learner asks, so it is the moment the POST's answer (which says Ready)
arrives. The hand-over in the cluster (namespace relabelled, ``spec.owner`` changed) happens
after that answer and is not on the learner's path: the api admits them by the row's owner.

Writes ``warm-pools-latest.json`` and ``warm-pools-latest.md`` into ``--out``
(docs/src/content/docs/benchmarks); docs/src/content/docs/benchmarks/warm-pools.md discusses them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from orchestra_devstack.bursts.figures import machine
from orchestra_devstack.bursts.rigs import Rig, start_rig

ROOT = Path(__file__).resolve().parents[1]
INSTRUCTOR = {
    "X-Auth-Request-Email": "bench.instructor@example.org",
    "X-Auth-Request-Groups": "orchestra-instructors",
}
POLL = 0.25
"""Seconds between two reads of Postgres while waiting (not part of any figure: Ready
times are read from the rows, not from when the poll saw them)."""


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def stats(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "median": round(statistics.median(ordered), 3),
        "p90": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 3),
        "min": round(ordered[0], 3),
        "max": round(ordered[-1], 3),
    }


async def create_class(
    api: httpx.AsyncClient, title: str, template: str, learners: int, pool: int | None
) -> dict[str, Any]:
    starts = datetime.now(UTC) + timedelta(minutes=5)
    body: dict[str, Any] = {
        "title": title,
        "template": template,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "expected_size": learners,
    }
    if pool:
        body["warm_pool"] = {"size": pool, "lead_minutes": 15}
    answer = await api.post("/api/v1/classes", json=body, headers=INSTRUCTOR)
    answer.raise_for_status()
    klass: dict[str, Any] = answer.json()
    return klass


async def wait_until(check: Any, *, what: str, patience: float) -> None:
    deadline = time.monotonic() + patience
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {patience:g} s")
        await asyncio.sleep(POLL)


async def warm_ready(rig: Rig, class_id: str) -> int:
    rows = await rig.query(
        """SELECT count(*) AS n FROM warm_instances w JOIN instances i ON i.name = w.name
           WHERE w.class_id = $1 AND w.state = 'warming' AND i.phase = 'Ready'""",
        class_id,
    )
    return int(rows[0]["n"])


async def join_all(
    api: httpx.AsyncClient,
    rig: Rig,
    klass: dict[str, Any],
    prefix: str,
    learners: int,
    *,
    patience: float,
) -> dict[str, Any]:
    """Every learner joins at once; each one's join → Ready, split by claimed or launched."""
    start = asyncio.Event()

    async def one(n: int) -> dict[str, Any]:
        email = f"{prefix}{n:02d}@example.org"
        await start.wait()
        sent = time.time()
        answer = await api.post(
            "/api/v1/classes/join",
            json={"code": klass["join_code"]},
            headers={"X-Auth-Request-Email": email},
        )
        answered = time.time()
        answer.raise_for_status()
        body = answer.json()
        instance = body["instance"]
        return {
            "learner": email,
            "instance": instance["name"],
            "sent": sent,
            "answered": answered,
            "ready_in_answer": instance["phase"] == "Ready",
        }

    tasks = [asyncio.create_task(one(n)) for n in range(learners)]
    await asyncio.sleep(0.2)  # every task waits on the event: they start together
    started = time.time()
    start.set()
    joins = await asyncio.gather(*tasks)
    names = [j["instance"] for j in joins]

    async def all_ready() -> bool:
        rows = await rig.query(
            "SELECT count(*) AS n FROM instances WHERE name = ANY($1) AND ready_at IS NOT NULL",
            names,
        )
        return int(rows[0]["n"]) == len(names)

    await wait_until(all_ready, what=f"{learners} sessions Ready", patience=patience)
    rows = await rig.query(
        """SELECT i.name, i.ready_at, w.state = 'claimed' AS claimed
           FROM instances i LEFT JOIN warm_instances w ON w.name = i.name
           WHERE i.name = ANY($1)""",
        names,
    )
    by_name = {row["name"]: row for row in rows}
    claimed: list[float] = []
    launched: list[float] = []
    posts: list[float] = []
    for j in joins:
        row = by_name[j["instance"]]
        posts.append(j["answered"] - j["sent"])
        if row["claimed"]:
            claimed.append(j["answered"] - j["sent"])
        else:
            launched.append(row["ready_at"].timestamp() - j["sent"])
    if len(set(names)) != len(names):
        raise AssertionError("two learners got the same instance")
    return {
        "learners": learners,
        "claimed": len(claimed),
        "join_to_ready_seconds": stats(claimed + launched),
        "claimed_join_to_ready_seconds": stats(claimed),
        "launched_join_to_ready_seconds": stats(launched),
        "post_seconds": stats(posts),
        "all_ready_after_seconds": round(
            max(
                [by_name[j["instance"]]["ready_at"].timestamp() for j in joins]
                + [j["answered"] for j in joins]
            )
            - started,
            3,
        ),
    }


def ratio(a: dict[str, float] | None, b: dict[str, float] | None) -> float | None:
    if not a or not b or not b["median"]:
        return None
    return round(a["median"] / b["median"], 1)


def markdown(document: dict[str, Any]) -> str:
    def cell(figures: dict[str, float] | None) -> str:
        if not figures:
            return "n/a"
        return f"{figures['median']:.2f} s (p90 {figures['p90']:.2f}, n={figures['n']:g})"

    plain, pooled = document["without_pool"], document["with_pool"]
    start, end = document["machine"], document["machine_end"]
    lines = [
        "---",
        'title: "The latest warm-pool table"',
        "---",
        "| join → Ready, median (p90, n) | without a pool | with a pool |",
        "|---|---|---|",
        f"| every learner | {cell(plain['join_to_ready_seconds'])} | "
        f"{cell(pooled['join_to_ready_seconds'])} |",
        f"| learners who claimed a warm workshop | n/a | "
        f"{cell(pooled['claimed_join_to_ready_seconds'])} |",
        f"| learners who got a normal launch | {cell(plain['launched_join_to_ready_seconds'])} | "
        f"{cell(pooled['launched_join_to_ready_seconds'])} |",
        f"| the join POST itself | {cell(plain['post_seconds'])} | "
        f"{cell(pooled['post_seconds'])} |",
        f"| last learner Ready, after the joins began | {plain['all_ready_after_seconds']:.2f} s | "
        f"{pooled['all_ready_after_seconds']:.2f} s |",
        "",
        f"Ratios of medians: a normal launch takes {document['ratios']['launched_vs_claimed']} times "
        f"a claim; the whole class's median is {document['ratios']['class_without_vs_with']} times "
        "lower with the pool.",
        "",
        f"`{document['command']}`: a class of {plain['learners']}, a pool of "
        f"{document['pool']}, template `{document['template']}`, fake kubelet delay "
        f"{document['kubelet_delay']:g} s; {start['cores']} cores ({start['cpu_model']}), "
        f"load average {start['load_average']} at the start and {end['load_average']} at "
        f"the end (a shared machine: other test runs were going); commit {start['commit']}, "
        f"{start['date']}.",
    ]
    if document.get("note"):
        lines += ["", document["note"]]
    return "\n".join(lines) + "\n"


async def bench(args: argparse.Namespace) -> int:
    document: dict[str, Any] = {
        "command": "bench/warm_pools.py " + shlex.join(sys.argv[1:]),
        "note": args.note,
        "kubelet_delay": args.kubelet_delay,
        "template": args.template,
        "pool": args.pool,
        "machine": machine(ROOT),
    }
    say(f"starting a rig (kubelet delay {args.kubelet_delay:g} s)")
    rig = await start_rig(
        ROOT,
        kubelet_delay=args.kubelet_delay,
        service_env={"api": {"ORCHESTRA_API_WARM_POOL_INTERVAL": "1"}},
    )
    say(f"rig up; logs in {rig.workdir}")
    try:
        async with httpx.AsyncClient(base_url=rig.api_urls[0], timeout=60) as api:
            stamp = str(int(time.time()))[-5:]
            plain = await create_class(api, "No pool", args.template, args.learners, None)
            say(f"without a pool: {args.learners} learners join at once")
            document["without_pool"] = await join_all(
                api, rig, plain, f"plain{stamp}-", args.learners, patience=args.patience
            )
            say(f"  {document['without_pool']['join_to_ready_seconds']}")

            pooled = await create_class(api, "Pooled", args.template, args.learners, args.pool)
            say(f"with a pool of {args.pool}: waiting for it to be Ready")

            async def full() -> bool:
                return bool(await warm_ready(rig, pooled["id"]) >= args.pool)

            await wait_until(full, what="the warm pool", patience=args.patience)
            say(f"  pool Ready; {args.learners} learners join at once")
            document["with_pool"] = await join_all(
                api, rig, pooled, f"pooled{stamp}-", args.learners, patience=args.patience
            )
            say(f"  {document['with_pool']['join_to_ready_seconds']}")
    finally:
        document["machine_end"] = machine(ROOT)
        await rig.stop()
    document["ratios"] = {
        "launched_vs_claimed": ratio(
            document["with_pool"]["launched_join_to_ready_seconds"],
            document["with_pool"]["claimed_join_to_ready_seconds"],
        ),
        "class_without_vs_with": ratio(
            document["without_pool"]["join_to_ready_seconds"],
            document["with_pool"]["join_to_ready_seconds"],
        ),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "warm-pools-latest.json").write_text(json.dumps(document, indent=2) + "\n")
    (args.out / "warm-pools-latest.md").write_text(markdown(document))
    say(f"wrote {args.out / 'warm-pools-latest.md'} and .json")
    return 0 if document["with_pool"]["claimed"] == min(args.pool, args.learners) else 1


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--learners", type=int, default=30, help="the size of each class")
    parser.add_argument("--pool", type=int, default=10, help="the warm pool of the second")
    parser.add_argument("--template", default="jupyter")
    parser.add_argument(
        "--kubelet-delay",
        type=float,
        default=5.0,
        help="seconds the fake kubelet takes to make a workshop available (the image pull "
        "and start-up a pool hides)",
    )
    parser.add_argument("--patience", type=float, default=300.0)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "src" / "content" / "docs" / "benchmarks"
    )
    parser.add_argument("--note", default="", help="said with the table")
    return parser.parse_args()


def main() -> None:
    raise SystemExit(asyncio.run(bench(arguments())))


if __name__ == "__main__":
    main()
