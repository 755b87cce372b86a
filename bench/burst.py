"""The 9 am burst: a class launches within a minute; how soon is each Ready, what breaks, at what cost?

Run by hand or by ``make bench`` (never in the test suite; timing is not asserted anywhere;
the short correctness version of the fault runs is tests/e2e/test_burst_faults.py):

    .venv/bin/python bench/burst.py                     # everything, full size (about an hour)
    .venv/bin/python bench/burst.py --quick             # everything, small (about 15 minutes)
    .venv/bin/python bench/burst.py --only burst,poison --learners 200 --seconds 30

A fresh rig (``orchestra_devstack.bursts.rigs``) for burst, simultaneous and poison,
another for the drain, another for the faults, another for sustained: the whole platform as ``make dev`` starts it,
as separate processes with their default settings, with NATS and Postgres of its own, the
emulated Kubernetes API whose fake kubelet marks a Deployment available ``--kubelet-delay``
seconds after it sees it, and two api and two operator replicas. In order:

- **burst**: ``--learners`` learners (one launch each) launch at moments spread evenly over
  ``--seconds``; each first opens its live event stream, as the dashboard does. POST
  latency, POST → Ready in Postgres, POST → Ready on the learner's stream (both also minus
  the readiness delay), throughput, lost and duplicated launches, Kubernetes API requests
  per launch, each process's memory and CPU;
- **simultaneous**: ``--simultaneous`` learners (200) POST at the same moment (no
  streams, as ``bench/api_launch.py``): POST p99 and the api's CPU per launch until the
  last answer (tracing is off in the rig);
- **poison**: malformed messages on every subject; each consumer must dead-letter them
  with a reason and carry on;
- **drain**: both operator replicas stopped, ``--drain`` learners (1,000) launch over
  ``--drain-seconds``, then the operators start: how long until every launch is Ready;
- **faults**: for each of ``--faults``, a smaller burst with the fault in its middle and
  launches that expire soon after: every launch Ready exactly once, every history complete,
  no Workshop outliving its deadline, and how long the pipeline took to catch up;
- **sustained**: launches at a steady rate for ``--window`` seconds, doubling the rate
  while p99 POST → Ready stays under ``--threshold`` seconds with nothing lost, then
  halving the gap; the highest rate held, and the emulated cluster's CPU per request at
  each step as the objects it holds grow.

The table opens with issue 18's goals (``orchestra_devstack.bursts.goals``): each one's
figure from this run and whether it is met.

Writes ``burst-latest.json`` and ``burst-latest.md`` into ``--out`` (docs/src/content/docs/benchmarks);
docs/src/content/docs/benchmarks/burst.md discusses them. Exits 1 when any launch was lost or duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shlex
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from orchestra_devstack.bursts.faults import FAULTS
from orchestra_devstack.bursts.figures import burst_figures, machine
from orchestra_devstack.bursts.goals import goals
from orchestra_devstack.bursts.poisoning import consumers_carried_on, poison
from orchestra_devstack.bursts.reporting import markdown
from orchestra_devstack.bursts.rigs import Rig, start_rig
from orchestra_devstack.bursts.runs import Plan, end_all, run_burst

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("burst", "simultaneous", "poison", "drain", "faults", "sustained")
MIN_RATE = 0.5
"""Sustained: launches per second below which the search stops halving."""
QUICK = {
    "learners": 60,
    "seconds": 10.0,
    "simultaneous": 50,
    "drain": 200,
    "drain_seconds": 5.0,
    "fault_learners": 20,
    "fault_seconds": 6.0,
    "fault_duration": "40s",
    "sync_hold": 10.0,
    "outage": 3.0,
    "window": 20.0,
    "refine": 1,
}


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


async def run_sustained(rig: Rig, args: argparse.Namespace, stamp: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []

    async def attempt(rate: float) -> bool:
        learners = max(2, round(rate * args.window))
        say(f"sustained: {rate:g} launches per s for {args.window:g} s ({learners} launches)")
        plan = Plan(learners, args.window, f"s{stamp}r{len(steps)}", patience=args.patience)
        result = await run_burst(rig, plan)
        figures = burst_figures(result, delay=args.kubelet_delay)
        ready = figures["ready_in_postgres_seconds"]
        held = bool(ready) and ready["p99"] < args.threshold and figures["lost"] == 0
        steps.append(
            {
                "rate": rate,
                "launches": learners,
                "ready_in_postgres_seconds": ready,
                "ready_in_postgres_minus_delay_seconds": figures[
                    "ready_in_postgres_minus_delay_seconds"
                ],
                "post_seconds": figures["post_seconds"],
                "lost": figures["lost"],
                "duplicated": figures["duplicated"],
                "held": held,
                "objects_stored": figures["objects_stored"],
                "cluster_cpu_ms_per_request": figures["cluster_cpu_ms_per_request"],
            }
        )
        say(f"  p99 {ready['p99'] if ready else '-'} s, lost {figures['lost']}: held {held}")
        await end_all(rig, result.launches)
        return held

    low, high, rate = 0.0, None, args.start_rate
    while rate <= args.max_rate:
        if not await attempt(rate):
            high = rate
            break
        low, rate = rate, rate * 2
    while not low and high is not None and high / 2 >= MIN_RATE:  # not even the first held
        if await attempt(high / 2):
            low = high / 2
        else:
            high = high / 2
    for _ in range(args.refine if high is not None and low else 0):
        middle = round((low + high) / 2, 2) if high is not None else low
        if await attempt(middle):
            low = middle
        else:
            high = middle
    return {
        "window": args.window,
        "threshold": args.threshold,
        "steps": steps,
        "highest": low or None,
    }


async def run_poison(rig: Rig, args: argparse.Namespace, stamp: str) -> dict[str, Any]:
    say("poison: malformed messages on every subject")
    report = await poison(rig, run=stamp)
    check = await run_burst(rig, Plan(1, 0.0, f"p{stamp}", patience=args.patience))
    carried = [] if check.verdict.ok else [f"check launch: {check.verdict.problems()}"]
    await end_all(rig, check.launches)
    name = check.launches[0].name
    if name is not None:
        carried += await consumers_carried_on(rig, name)
    say(
        f"  {sum(report.parked.values())} of {report.expected} dead letters; carried on: {carried or 'yes'}"
    )
    return {
        "sent": report.sent,
        "expected": report.expected,
        "parked": [
            {"consumer": c, "subject": s, "letters": n}
            for (c, s), n in sorted(report.parked.items())
        ],
        "missing": report.missing + report.malformed_letters,
        "carried_on": carried,
        "ok": report.ok and not carried,
    }


async def run_drain(rig: Rig, args: argparse.Namespace, stamp: str) -> dict[str, Any]:
    say(f"drain: operators stopped, {args.drain} launches over {args.drain_seconds:g} s")
    plan = Plan(args.drain, args.drain_seconds, f"d{stamp}", patience=args.patience, queued=True)
    result = await run_burst(rig, plan)
    figures = burst_figures(result, delay=args.kubelet_delay)
    say(f"  {figures['problems']}; drain {figures['drain']}")
    await end_all(rig, result.launches)
    return figures


async def run_faults(rig: Rig, args: argparse.Namespace, stamp: str) -> list[dict[str, Any]]:
    runs = []
    for fault in args.faults:
        hold = (
            args.sync_hold
            if fault == "sync"
            else args.outage
            if fault in ("nats", "postgres")
            else None
        )
        say(f"fault {fault}: {args.fault_learners} launches over {args.fault_seconds:g} s")
        plan = Plan(
            args.fault_learners,
            args.fault_seconds,
            f"f{stamp}{fault}",
            duration=args.fault_duration,
            fault=fault,
            hold=hold,
            patience=args.patience,
            until_deadlines=True,
        )
        result = await run_burst(rig, plan)
        figures = burst_figures(result, delay=args.kubelet_delay)
        say(f"  {figures['problems']}; caught up after {result.caught_up_after}")
        runs.append(figures)
    return runs


@contextlib.asynccontextmanager
async def fresh_rig(args: argparse.Namespace) -> AsyncIterator[Rig]:
    say("starting a rig (two api, two operator replicas)")
    rig = await start_rig(ROOT, kubelet_delay=args.kubelet_delay)
    say(f"rig up; logs in {rig.workdir}")
    try:
        yield rig
    finally:
        await rig.stop()


def write(document: dict[str, Any], args: argparse.Namespace) -> None:
    """The JSON and the Markdown; with ``--merge``, parts not run now keep their last figures."""
    args.out.mkdir(parents=True, exist_ok=True)
    json_path = args.out / "burst-latest.json"
    if args.merge and json_path.exists():
        previous: dict[str, Any] = json.loads(json_path.read_text())
        kept = {part: previous[part] for part in PARTS if part in previous and part not in document}
        if kept:
            document["merged"] = {
                "parts": sorted(kept),
                "from": previous.get("command"),
                "machine": previous.get("machine"),
            }
            document.update(kept)
    document["goals"] = goals(document)
    json_path.write_text(json.dumps(document, indent=2) + "\n")
    (args.out / "burst-latest.md").write_text(markdown(document))
    say(f"wrote {args.out / 'burst-latest.md'} and .json")


async def bench(args: argparse.Namespace) -> int:
    stamp = str(int(time.time()))
    document: dict[str, Any] = {
        "command": "bench/burst.py " + shlex.join(sys.argv[1:]),
        "note": args.note,
        "kubelet_delay": args.kubelet_delay,
        "machine": machine(ROOT),
    }
    try:
        # A fresh rig for each group: what one part leaves (hundreds of learner namespaces
        # with their guard rails) must not weigh on the next one's figures.
        if {"burst", "simultaneous", "poison"} & set(args.only):
            async with fresh_rig(args) as rig:
                if "burst" in args.only:
                    say(f"burst: {args.learners} learners over {args.seconds:g} s")
                    plan = Plan(args.learners, args.seconds, f"b{stamp}", patience=args.patience)
                    result = await run_burst(rig, plan)
                    document["burst"] = burst_figures(result, delay=args.kubelet_delay)
                    say(f"  {document['burst']['problems']}")
                    await end_all(rig, result.launches)
                if "simultaneous" in args.only:
                    say(f"simultaneous: {args.simultaneous} learners POST at once")
                    plan = Plan(
                        args.simultaneous,
                        0.0,
                        f"m{stamp}",
                        patience=args.patience,
                        streams=False,
                    )
                    result = await run_burst(rig, plan)
                    document["simultaneous"] = burst_figures(result, delay=args.kubelet_delay)
                    say(f"  {document['simultaneous']['problems']}")
                    await end_all(rig, result.launches)
                if "poison" in args.only:
                    document["poison"] = await run_poison(rig, args, stamp)
        if "drain" in args.only:
            async with fresh_rig(args) as rig:
                document["drain"] = await run_drain(rig, args, stamp)
        if "faults" in args.only:
            async with fresh_rig(args) as rig:
                document["faults"] = await run_faults(rig, args, stamp)
        if "sustained" in args.only:
            async with fresh_rig(args) as rig:
                document["sustained"] = await run_sustained(rig, args, stamp)
    finally:
        document["machine_end"] = machine(ROOT)
        write(document, args)
    runs = [document.get(part) for part in ("burst", "simultaneous", "drain")]
    runs += document.get("faults", [])
    broken = any(run and (run["lost"] or run["duplicated"]) for run in runs)
    return 1 if broken or not document.get("poison", {"ok": True})["ok"] else 0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a short run")
    parser.add_argument("--only", default=",".join(PARTS), help=f"some of {','.join(PARTS)}")
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0, help="launches spread over this")
    parser.add_argument("--kubelet-delay", type=float, default=1.0)
    parser.add_argument("--simultaneous", type=int, default=200, help="learners POSTing at once")
    parser.add_argument("--drain", type=int, default=1000, help="launches queued, then drained")
    parser.add_argument(
        "--drain-seconds", type=float, default=20.0, help="the queued launches posted over this"
    )
    parser.add_argument("--patience", type=float, default=240.0)
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"some of {','.join(FAULTS)}")
    parser.add_argument("--fault-learners", type=int, default=100)
    parser.add_argument("--fault-seconds", type=float, default=30.0)
    parser.add_argument("--fault-duration", default="2m", help="the fault runs' launch duration")
    parser.add_argument("--sync-hold", type=float, default=60.0, help="seconds sync is stopped")
    parser.add_argument(
        "--outage", type=float, default=10.0, help="seconds NATS, Postgres are down"
    )
    parser.add_argument("--window", type=float, default=120.0, help="sustained: seconds per rate")
    parser.add_argument("--threshold", type=float, default=3.0, help="sustained: p99 limit, s")
    parser.add_argument("--start-rate", type=float, default=2.0)
    parser.add_argument("--max-rate", type=float, default=64.0)
    parser.add_argument("--refine", type=int, default=2, help="sustained: bisection steps")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "src" / "content" / "docs" / "benchmarks"
    )
    parser.add_argument(
        "--merge", action="store_true", help="keep the last figures of the parts not run now"
    )
    parser.add_argument(
        "--note", default="", help="said with the table (e.g. the machine was loaded)"
    )
    args = parser.parse_args()
    if args.quick:
        given = {
            a.lstrip("-").split("=")[0].replace("-", "_") for a in sys.argv[1:] if a[:2] == "--"
        }
        for key, value in QUICK.items():
            if key not in given:
                setattr(args, key, value)
    args.only = [part for part in args.only.split(",") if part]
    args.faults = [fault for fault in args.faults.split(",") if fault]
    unknown = [p for p in args.only if p not in PARTS] + [f for f in args.faults if f not in FAULTS]
    if unknown:
        parser.error(f"unknown: {unknown}")
    return args


def main() -> None:
    raise SystemExit(asyncio.run(bench(arguments())))


if __name__ == "__main__":
    main()
