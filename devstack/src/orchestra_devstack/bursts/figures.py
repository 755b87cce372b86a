"""The figures of a burst, from a ``runs.Result``: pure arithmetic, JSON-ready dicts.

Ready times are given twice: as measured (POST sent → Ready) and as the pipeline's share,
with the emulated readiness delay (the fake kubelet's, standing in for the image pull and
start) subtracted. ``reporting`` turns these dicts into the Markdown table.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from orchestra_devstack.bursts.footprints import Footprint
from orchestra_devstack.bursts.runs import Result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def spread(values: list[float], *, minus: float = 0.0) -> dict[str, float] | None:
    if not values:
        return None
    shifted = [value - minus for value in values]
    return {
        "p50": round(statistics.median(shifted), 4),
        "p99": round(percentile(shifted, 0.99), 4),
        "max": round(max(shifted), 4),
    }


def machine(root: Path) -> dict[str, Any]:
    """What the figures were measured on: they move with it."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "commit": commit,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def latencies(result: Result) -> dict[str, list[float]]:
    post, db, stream = [], [], []
    for launch in result.launches:
        if launch.post_seconds is not None:
            post.append(launch.post_seconds)
        if launch.name is None or launch.sent_at is None:
            continue
        row = result.verdict.rows.get(launch.name)
        if row is not None and row.ready_recorded_at is not None:
            db.append(row.ready_recorded_at - launch.sent_at)
        if launch.ready_seen_at is not None:
            stream.append(launch.ready_seen_at - launch.sent_at)
    return {"post": post, "db": db, "stream": stream}


def burst_figures(result: Result, *, delay: float) -> dict[str, Any]:
    times = latencies(result)
    verdict = result.verdict
    sent = [x.sent_at for x in result.launches if x.sent_at is not None]
    answered = [x.answered_at for x in result.launches if x.answered_at is not None]
    readies = [r.ready_recorded_at for r in verdict.rows.values() if r.ready_recorded_at]
    first = min(sent, default=result.started_at)
    requests = sum(result.requests.values())
    return {
        "learners": result.plan.learners,
        "seconds": result.plan.seconds,
        "fault": result.plan.fault,
        "accepted": verdict.accepted,
        "ready": verdict.ready,
        "ready_on_stream": verdict.ready_on_stream,
        "lost": len(verdict.lost),
        "duplicated": len(verdict.duplicated),
        "incomplete": len(verdict.incomplete),
        "unseen": len(verdict.unseen),
        "outlived": len(verdict.outlived),
        "problems": verdict.problems(),
        "timed_out": result.timed_out,
        "post_seconds": spread(times["post"]),
        "ready_in_postgres_seconds": spread(times["db"]),
        "ready_in_postgres_minus_delay_seconds": spread(times["db"], minus=delay),
        "ready_on_stream_seconds": spread(times["stream"]),
        "ready_on_stream_minus_delay_seconds": spread(times["stream"], minus=delay),
        "accepted_per_second": _rate(len(answered), first, max(answered, default=first)),
        "ready_per_second": _rate(len(readies), first, max(readies, default=first)),
        "retried_posts": sum(1 for x in result.launches if x.attempts > 1),
        "stream_reconnects": sum(x.stream_reconnects for x in result.launches),
        "stream_resyncs": sum(len(x.resyncs) for x in result.launches),
        "kubernetes_requests": requests,
        "kubernetes_requests_per_launch": round(requests / max(verdict.accepted, 1), 2),
        "kubernetes_requests_by_kind": dict(sorted(result.requests.items(), key=lambda i: -i[1])),
        "lateness_past_deadline_seconds": spread(verdict.lateness),
        "outage": None
        if result.outage is None
        else {
            "fault": result.outage.fault,
            "down_seconds": round(result.outage.seconds, 2),
            "caught_up_after_seconds": _round(result.caught_up_after),
            "notes": result.outage.notes,
        },
        "footprint": footprint_figures(result.idle, result.end, accepted=verdict.accepted),
        "api_cpu_ms_per_launch_posting": _api_cost(result, accepted=verdict.accepted),
        "cluster_cpu_ms_per_request": _cluster_cost(result, requests),
        "objects_stored": result.objects,
        "drain": _drain(result, readies),
    }


def _cpu(before: dict[str, Footprint], after: dict[str, Footprint], names: list[str]) -> float:
    return sum(
        max(0.0, after[name].cpu_seconds - before[name].cpu_seconds)
        for name in names
        if name in before and name in after
    )


def _api_cost(result: Result, *, accepted: int) -> float | None:
    """The api replicas' CPU from before the first POST until every POST was answered, per
    launch: their cost of a launch, with the learners' streams open but before any of the
    status events they push (tracing is off in the rig)."""
    apis = [name for name in result.idle if name == "api" or name.startswith("api-")]
    if not result.answered or not apis or not accepted:
        return None
    return round(1000 * _cpu(result.idle, result.answered, apis) / accepted, 3)


def _cluster_cost(result: Result, requests: int) -> float | None:
    """The emulated cluster's CPU per request it served (its watch events included)."""
    if "cluster" not in result.idle or not requests:
        return None
    return round(1000 * _cpu(result.idle, result.end, ["cluster"]) / requests, 3)


def _drain(result: Result, readies: list[float]) -> dict[str, Any] | None:
    """With the launches queued: from the operators' start to the first and the last Ready."""
    if result.released_at is None or not readies:
        return None
    first, last = min(readies), max(readies)
    leading = result.leading_at or result.released_at
    return {
        "queued": len(readies),
        "started_to_leading_seconds": round(leading - result.released_at, 2),
        "to_first_ready_seconds": round(first - result.released_at, 2),
        "to_all_ready_seconds": round(last - result.released_at, 2),
        "leading_to_all_ready_seconds": round(last - leading, 2),
        "ready_per_second": _rate(len(readies), first, last),
        "complete": result.ready_at is not None,
    }


def footprint_figures(
    idle: dict[str, Footprint], end: dict[str, Footprint], *, accepted: int
) -> dict[str, dict[str, float]]:
    figures = {}
    for name in idle:
        before, after = idle[name], end.get(name, Footprint(0.0, 0.0))
        cpu = max(0.0, after.cpu_seconds - before.cpu_seconds)
        figures[name] = {
            "rss_idle_mib": round(before.rss_mib, 1),
            "rss_end_mib": round(after.rss_mib, 1),
            "pss_idle_mib": round(before.pss_mib, 1),
            "pss_end_mib": round(after.pss_mib, 1),
            "cpu_seconds": round(cpu, 2),
            "cpu_ms_per_launch": round(1000 * cpu / max(accepted, 1), 2),
        }
    return figures


def _rate(count: int, start: float, end: float) -> float | None:
    return round(count / (end - start), 2) if end > start and count else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
