"""Whether a burst lost or duplicated anything: Postgres, the cluster and the learners agree.

Read after the burst (``runs``), from the sources of truth: the instance rows and their
history in Postgres (written by the api and by sync), the Workshops in the cluster, and
what each learner was answered and shown on their stream. A launch is

- **lost** when the learner got no answer, or got one and the instance never reached
  Ready in Postgres;
- **duplicated** when a learner (one launch each) has more than one instance row, an
  instance has more than one Ready in its history, or a learner's stream showed Ready
  twice or showed an instance that is not theirs;
- **unseen** when it is Ready in Postgres but its learner's stream never said so (the
  dashboard would wait for ever);
- **incomplete** when its history is not the platform's story in order: (Pending),
  (Provisioning), Ready, each once, nothing Failed, and, once it ended, Terminated last.
  The phases before Ready are what the Workshop's status went through, and it can skip
  them: an operator replaced mid-launch may first write a status when the Deployment is
  already available, and then Ready is the truth.

A Workshop that outlives its deadline is one still in the cluster after the run waited
for every deadline to pass (``outlived``); the lateness of each end is reported.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from orchestra_devstack.bursts.learners import Launch
from orchestra_devstack.bursts.rigs import Rig

ORDER = ("Pending", "Provisioning", "Ready", "Terminating", "Terminated")
"""The phases a history may tell, each at most once and in this order; Ready is the one
every launch must tell (sync records what the Workshop's status went through)."""
WORKSHOPS = "/apis/orchestra.io/v1/workshops"

HISTORY_SQL = """
SELECT i.name, i.owner, i.phase,
       extract(epoch FROM i.created_at)::float8 AS created_at,
       extract(epoch FROM i.expires_at)::float8 AS expires_at,
       coalesce(array_agg(h.phase ORDER BY h.transitioned_at, h.id)
                FILTER (WHERE h.id IS NOT NULL), '{}') AS phases,
       min(extract(epoch FROM h.recorded_at)::float8) FILTER (WHERE h.phase = 'Ready')
           AS ready_recorded_at,
       min(extract(epoch FROM h.transitioned_at)::float8) FILTER (WHERE h.phase = 'Ready')
           AS ready_transitioned_at,
       min(extract(epoch FROM h.transitioned_at)::float8) FILTER (WHERE h.phase = 'Terminated')
           AS terminated_at
FROM instances i LEFT JOIN instance_history h ON h.instance = i.name
WHERE i.owner = ANY($1::text[])
GROUP BY i.name
"""


@dataclass
class Row:
    name: str
    owner: str
    phase: str
    created_at: float
    expires_at: float
    phases: list[str]
    ready_recorded_at: float | None
    ready_transitioned_at: float | None
    terminated_at: float | None


@dataclass
class Verdict:
    launches: int
    accepted: int = 0
    ready: int = 0
    ready_on_stream: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    outlived: list[str] = field(default_factory=list)
    unseen: list[str] = field(default_factory=list)
    lateness: list[float] = field(default_factory=list)
    rows: dict[str, Row] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.incomplete or self.outlived or self.unseen)

    def problems(self) -> str:
        parts = [
            f"{label}: {items[:5]}{' ...' if len(items) > 5 else ''}"
            for label, items in (
                ("lost", self.lost),
                ("duplicated", self.duplicated),
                ("incomplete", self.incomplete),
                ("outlived", self.outlived),
                ("never Ready on the stream", self.unseen),
            )
            if items
        ]
        return "; ".join(parts) or "none"


async def history_rows(rig: Rig, owners: list[str]) -> dict[str, Row]:
    records = await rig.query(HISTORY_SQL, owners)
    return {r["name"]: Row(**{k: r[k] for k in Row.__dataclass_fields__}) for r in records}


def story_problem(phases: list[str], *, ended: bool) -> str | None:
    """What is wrong with one history (pure), or None."""
    again = [phase for phase, n in Counter(phases).items() if n > 1]
    if again:
        return f"twice: {again}"
    strange = [phase for phase in phases if phase not in ORDER]
    if strange:
        return f"{strange} in {phases}"
    if "Ready" not in phases:
        return f"story {phases}"
    if phases != sorted(phases, key=ORDER.index):
        return f"out of order: {phases}"
    if ended and phases[-1] != "Terminated":
        return f"not ended: {phases}"
    return None


async def verify(
    rig: Rig,
    session: aiohttp.ClientSession,
    launches: list[Launch],
    *,
    ended: bool = False,
    streams: bool = True,
) -> Verdict:
    """Check every launch (``ended``: every one should have reached its deadline by now;
    ``streams``: the learners listened to their streams)."""
    verdict = Verdict(launches=len(launches))
    rows = await history_rows(rig, [launch.email for launch in launches])
    verdict.rows = rows
    by_owner: dict[str, list[Row]] = {}
    for each in rows.values():
        by_owner.setdefault(each.owner, []).append(each)
    for launch in launches:
        mine = by_owner.get(launch.email, [])
        if len(mine) > 1:
            verdict.duplicated.append(f"{launch.email}: {len(mine)} instances")
        if launch.name is None:
            verdict.lost.append(f"{launch.email}: no answer ({launch.failures[-1:]})")
            continue
        verdict.accepted += 1
        row = rows.get(launch.name)
        if row is None or row.ready_recorded_at is None:
            verdict.lost.append(f"{launch.name}: never Ready ({row.phases if row else 'no row'})")
            continue
        verdict.ready += 1
        problem = story_problem(row.phases, ended=ended)
        if problem:
            verdict.incomplete.append(f"{launch.name}: {problem}")
        if not streams:
            if ended and row.terminated_at is not None:
                verdict.lateness.append(row.terminated_at - row.expires_at)
            continue
        shown = [(name, phase) for (name, phase), n in launch.stream_events.items()]
        readies = launch.stream_events.get((launch.name, "Ready"), 0)
        if readies or launch.ready_reread:
            verdict.ready_on_stream += 1
        else:
            verdict.unseen.append(
                f"{launch.name}: stream showed {dict(launch.stream_events)}, "
                f"{launch.stream_reconnects} reconnects, resyncs {launch.resyncs}, "
                f"log {launch.stream_log[-12:]}"
            )
        if readies > 1:
            verdict.duplicated.append(f"{launch.name}: Ready {readies} times on the stream")
        strangers = {name for name, _ in shown} - {launch.name}
        if strangers:
            verdict.duplicated.append(f"{launch.name}: the stream showed {sorted(strangers)}")
        if ended and row.terminated_at is not None:
            verdict.lateness.append(row.terminated_at - row.expires_at)
    if ended:
        await _check_cluster(rig, session, rows, verdict)
    return verdict


async def _check_cluster(
    rig: Rig, session: aiohttp.ClientSession, rows: dict[str, Row], verdict: Verdict
) -> None:
    listed: dict[str, Any] = await rig.kube(session, WORKSHOPS)
    for item in listed.get("items", []):
        name = item["metadata"]["name"]
        if name in rows:
            verdict.outlived.append(f"{name}: still in the cluster after its deadline")
