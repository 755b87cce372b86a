"""Issue 18's goals against the figures of one ``bench/burst.py`` document (pure).

Each goal says what it asks, what the run measured and whether that meets it; a goal whose
part was not run (or was kept from an earlier run by ``--merge``) says so instead of
guessing. ``reporting`` puts the result at the top of the table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

REQUESTS_PER_LAUNCH = 15.0
OPERATOR_MS_PER_LAUNCH = 10.0
CLUSTER_MS_PER_REQUEST = 1.0
FLAT = 1.5
"""The emulated cluster's cost per request counts as flat while the busiest rig's is at
most this many times the emptiest's."""
API_MS_PER_LAUNCH = 0.5
POST_P99_SECONDS = 0.1
PIPELINE_P99_SECONDS = 1.0
DRAIN_SECONDS = 60.0
SUSTAINED_P99_SECONDS = 3.0
SUSTAINED_WINDOW = 120.0


@dataclass(frozen=True)
class Goal:
    goal: str
    measured: str
    met: bool | None
    """None: not measured by this run, or not a yes-or-no goal."""

    @property
    def verdict(self) -> str:
        return {True: "met", False: "not met", None: "-"}[self.met]


def _operator_ms(burst: dict[str, Any]) -> float:
    footprint = burst["footprint"]
    cpu = sum(
        float(f["cpu_seconds"]) for name, f in footprint.items() if name.startswith("operator")
    )
    return 1000 * cpu / max(int(burst["accepted"]), 1)


def _requests(burst: dict[str, Any] | None) -> Goal:
    goal = f"Kubernetes API requests per launch ≤ {REQUESTS_PER_LAUNCH:g}"
    if not burst:
        return Goal(goal, "burst not run", None)
    value = burst["kubernetes_requests_per_launch"]
    return Goal(goal, f"{value:g} (burst)", value <= REQUESTS_PER_LAUNCH)


def _operator(burst: dict[str, Any] | None) -> Goal:
    goal = f"operator CPU per launch ≤ {OPERATOR_MS_PER_LAUNCH:g} ms"
    if not burst:
        return Goal(goal, "burst not run", None)
    value = _operator_ms(burst)
    return Goal(goal, f"{value:.1f} ms (burst, both replicas)", value <= OPERATOR_MS_PER_LAUNCH)


def _cluster(document: dict[str, Any]) -> Goal:
    goal = (
        f"emulated cluster CPU < {CLUSTER_MS_PER_REQUEST:g} ms per request, flat in the "
        "number of objects"
    )
    runs = [document.get("burst"), document.get("drain")]
    runs += (document.get("sustained") or {}).get("steps", [])
    samples = sorted(
        (run["objects_stored"], run["cluster_cpu_ms_per_request"])
        for run in runs
        if run and run.get("cluster_cpu_ms_per_request") and run.get("objects_stored") is not None
    )
    if not samples:
        return Goal(goal, "not measured", None)
    worst = max(cost for _, cost in samples)
    (few, cheap), (many, dear) = samples[0], samples[-1]
    told = ", ".join(f"{cost:.2f} ms at {objects} objects" for objects, cost in samples)
    if worst >= CLUSTER_MS_PER_REQUEST:
        return Goal(goal, told, False)
    if many < 10 * max(few, 1):  # one size only: flatness not shown
        return Goal(goal, f"{told} (flatness not measured)", None)
    return Goal(goal, told, dear <= FLAT * cheap)


def _api(simultaneous: dict[str, Any] | None) -> tuple[Goal, Goal]:
    cpu = f"api CPU per launch ≤ {API_MS_PER_LAUNCH:g} ms (tracing off)"
    post = f"POST p99 ≤ {1000 * POST_P99_SECONDS:g} ms at 200 simultaneous learners"
    if not simultaneous:
        return Goal(cpu, "simultaneous not run", None), Goal(post, "simultaneous not run", None)
    n = simultaneous["learners"]
    value = simultaneous.get("api_cpu_ms_per_launch_posting")
    p99 = (simultaneous.get("post_seconds") or {}).get("p99")
    return (
        Goal(
            cpu,
            "-" if value is None else f"{value:.2f} ms ({n} at once, both replicas)",
            None if value is None else value <= API_MS_PER_LAUNCH,
        ),
        Goal(
            post,
            "-" if p99 is None else f"{1000 * p99:.0f} ms ({n} at once)",
            None if p99 is None or n < 200 else p99 <= POST_P99_SECONDS,
        ),
    )


def _pipeline(burst: dict[str, Any] | None) -> Goal:
    goal = "pipeline time beyond the readiness delay p99 ≤ 1 s at 500 launches in 60 s"
    if not burst:
        return Goal(goal, "burst not run", None)
    spread = burst.get("ready_in_postgres_minus_delay_seconds")
    if not spread:
        return Goal(goal, "nothing Ready", False)
    size = f"{burst['learners']} in {burst['seconds']:g} s"
    full = burst["learners"] >= 500 and burst["learners"] / burst["seconds"] >= 500 / 60
    return Goal(
        goal,
        f"{spread['p99']:.2f} s ({size})",
        (spread["p99"] <= PIPELINE_P99_SECONDS and not burst["lost"]) if full else None,
    )


def _drain(drain: dict[str, Any] | None) -> Goal:
    goal = (
        f"1,000 queued launches drained in under {DRAIN_SECONDS:g} s (from an operator "
        "leading again)"
    )
    if not drain or not drain.get("drain"):
        return Goal(goal, "drain not run", None)
    figures = drain["drain"]
    told = (
        f"{figures['leading_to_all_ready_seconds']:.1f} s for {figures['queued']} "
        f"({figures['to_all_ready_seconds']:.1f} s from the start command, of which "
        f"{figures['started_to_leading_seconds']:.1f} s the operator's start-up; "
        f"{figures['ready_per_second'] or '-'} Ready per s)"
    )
    if not figures["complete"]:
        return Goal(goal, f"not all Ready: {told}", False)
    met = figures["leading_to_all_ready_seconds"] < DRAIN_SECONDS
    return Goal(goal, told, met if drain["learners"] >= 1000 else None)


def _sustained(sustained: dict[str, Any] | None, burst_rate: float) -> Goal:
    goal = (
        f"the highest rate held for {SUSTAINED_WINDOW / 60:g} minutes with p99 POST → Ready "
        f"< {SUSTAINED_P99_SECONDS:g} s (at least a class of 500 in 60 s, {burst_rate:.1f} per s)"
    )
    if not sustained:
        return Goal(goal, "sustained not run", None)
    highest = sustained.get("highest")
    window = sustained["window"]
    told = f"{highest:g} launches per s" if highest else "no rate tried was held"
    told += f" ({window:g} s windows)"
    if window < SUSTAINED_WINDOW:
        return Goal(goal, told, None)
    return Goal(goal, told, highest is not None and float(highest) >= burst_rate)


def _faults(document: dict[str, Any]) -> Goal:
    goal = "lost = duplicated = 0 in the burst and under each fault"
    runs = [run for run in [document.get("burst"), *(document.get("faults") or [])] if run]
    if not runs:
        return Goal(goal, "not run", None)
    lost = sum(run["lost"] for run in runs)
    duplicated = sum(run["duplicated"] for run in runs)
    faults = len(document.get("faults") or [])
    return Goal(
        goal,
        f"lost {lost}, duplicated {duplicated} over {len(runs)} runs ({faults} with a fault)",
        lost == 0 and duplicated == 0 and faults > 0,
    )


def goals(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every goal of issue 18, measured or not, in the issue's order (JSON-ready)."""
    burst = document.get("burst")
    cpu, post = _api(document.get("simultaneous"))
    found = [
        _requests(burst),
        _operator(burst),
        _cluster(document),
        cpu,
        post,
        _pipeline(burst),
        _drain(document.get("drain")),
        _sustained(document.get("sustained"), 500 / 60),
        _faults(document),
    ]
    return [{**asdict(goal), "verdict": goal.verdict} for goal in found]
