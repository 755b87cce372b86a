"""One burst: N learners launch over T seconds, perhaps with a fault in the middle.

``run_burst`` schedules the learners evenly over the window (each opens its stream a
moment before its launch), starts the fault at its point of the window, waits until every
accepted launch is Ready in Postgres and on its learner's stream (or ``patience`` runs
out), counts the Kubernetes API requests served meanwhile and reads the footprints (also
once every POST was answered, for the api's own cost per launch); with ``queued``, both
operator replicas are stopped before the first POST and started once every POST was
answered, so the launches wait in JetStream and the run times their drain; with
``until_deadlines`` it then waits for every deadline to pass and every instance to end,
and the verdict also checks that nothing outlived its deadline. ``end_all`` terminates a
run's instances (the sustained search cleans up between rates).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from orchestra_devstack.bursts.faults import FAULTS, FaultContext, Outage
from orchestra_devstack.bursts.footprints import Footprint, footprints
from orchestra_devstack.bursts.learners import InFlight, Launch, Learner
from orchestra_devstack.bursts.rigs import Rig
from orchestra_devstack.bursts.verifying import Verdict, history_rows, verify

POLL = 0.5
"""Seconds between looks at Postgres while waiting for the launches to be Ready."""
STREAM_LEAD = 2.0
"""Seconds before its launch that a learner opens its stream."""


@dataclass(frozen=True)
class Plan:
    learners: int
    seconds: float
    run: str
    """Tells this run's learners from every other run's (part of their e-mail)."""
    duration: str = "2h"
    template: str = "rstudio"
    fault: str | None = None
    fault_at: float = 0.5
    """Where in the window the fault starts, as a fraction of it."""
    hold: float | None = None
    patience: float = 180.0
    """Seconds after the last launch was answered to wait for everything to be Ready."""
    until_deadlines: bool = False
    takeover_timeout: float = 120.0
    queued: bool = False
    """Stop the operators before the first POST, start them once all were answered."""
    streams: bool = True
    """Each learner opens its live stream before its launch (False: POSTs alone, for the
    api's own cost per launch)."""


@dataclass
class Result:
    plan: Plan
    launches: list[Launch]
    verdict: Verdict
    started_at: float
    sent_at: float
    ready_at: float | None
    requests: dict[str, int]
    idle: dict[str, Footprint]
    end: dict[str, Footprint]
    outage: Outage | None = None
    timed_out: list[str] = field(default_factory=list)
    answered: dict[str, Footprint] = field(default_factory=dict)
    """The footprints once every POST was answered (before any Ready, when ``queued``)."""
    released_at: float | None = None
    """When the operators were started again (``queued``)."""
    leading_at: float | None = None
    """When one of them held the Lease again (``queued``): its Python start-up is over."""
    objects: int | None = None
    """Live objects in the emulated cluster before the first launch."""

    @property
    def caught_up_after(self) -> float | None:
        """From the fault until every launch sent before the part was back was Ready."""
        if self.outage is None:
            return None
        back = self.outage.back_at
        ready = [
            self.verdict.rows[launch.name].ready_recorded_at
            for launch in self.launches
            if launch.name and launch.sent_at is not None and launch.sent_at <= back
        ]
        if not ready or any(at is None for at in ready):
            return None
        return max(at for at in ready if at is not None) - self.outage.started_at


async def kube_requests(
    session: aiohttp.ClientSession, rig: Rig, *, reset: bool = False
) -> tuple[dict[str, int], int | None]:
    """The requests the emulated cluster served, by verb and resource, and the live
    objects it holds."""
    method = "DELETE" if reset else "GET"
    async with session.request(method, f"{rig.kube_url}/_devstack/requests") as answer:
        body: dict[str, Any] = await answer.json()
        return body["requests"], body.get("objects")


async def _ready_count(rig: Rig, owners: list[str]) -> int | None:
    sql = """SELECT count(*) AS n FROM instance_history h JOIN instances i ON i.name = h.instance
             WHERE i.owner = ANY($1::text[]) AND h.phase = 'Ready'"""
    try:
        return int((await rig.query(sql, owners))[0]["n"])
    except OSError:
        return None  # Postgres is restarting: look again


async def _ended_count(rig: Rig, owners: list[str]) -> int | None:
    sql = (
        "SELECT count(*) AS n FROM instances WHERE owner = ANY($1::text[]) AND phase = 'Terminated'"
    )
    try:
        return int((await rig.query(sql, owners))[0]["n"])
    except OSError:
        return None


async def _learn(
    learner: Learner, at: float, stop: asyncio.Event, *, streams: bool = True
) -> asyncio.Task[None]:
    if not streams:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        await learner.post()
        return asyncio.create_task(asyncio.sleep(0))
    await asyncio.sleep(max(0.0, at - STREAM_LEAD - time.monotonic()))
    listening = asyncio.create_task(learner.listen(stop))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(learner.listening.wait(), timeout=30)
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    await learner.post()
    return listening


async def run_burst(rig: Rig, plan: Plan) -> Result:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        return await _run(rig, plan, session)


async def _run(rig: Rig, plan: Plan, session: aiohttp.ClientSession) -> Result:
    _, objects = await kube_requests(session, rig, reset=True)
    if plan.queued:
        await asyncio.gather(*(operator.stop() for operator in rig.operators))
    processes = rig.services()
    idle = footprints(processes)
    in_flight, stop, all_sent = InFlight(), asyncio.Event(), asyncio.Event()
    # A burst counts refusals at capacity (429) rather than waiting in line for a seat.
    body = {"template": plan.template, "duration": plan.duration, "wait_in_line": False}
    launches = [Launch(email=f"l{i}@{plan.run.lower()}.example.org") for i in range(plan.learners)]
    learners = [
        Learner(
            session,
            rig.api_urls,
            launch,
            first=i,
            body=body,
            give_up_after=plan.patience,
            in_flight=in_flight,
        )
        for i, launch in enumerate(launches)
    ]
    origin = time.monotonic() + STREAM_LEAD + 0.5
    step = plan.seconds / max(plan.learners - 1, 1)
    started_at = time.time() + (origin - time.monotonic())
    fault_task: asyncio.Task[Outage] | None = None
    if plan.fault is not None:
        context = FaultContext(
            rig,
            session,
            in_flight,
            all_sent,
            hold=plan.hold,
            takeover_timeout=plan.takeover_timeout,
        )
        fault_task = asyncio.create_task(
            _at(origin + plan.fault_at * plan.seconds, FAULTS[plan.fault](context))
        )
    streams = await asyncio.gather(
        *(
            _learn(learner, origin + i * step, stop, streams=plan.streams)
            for i, learner in enumerate(learners)
        )
    )
    all_sent.set()
    sent_at = time.time()
    answered = footprints(processes)
    released_at = leading_at = None
    if plan.queued:
        released_at = time.time()
        leading = asyncio.create_task(_first_leader(rig, session))
        await asyncio.gather(*(operator.start() for operator in rig.operators))
        leading_at = await leading
    owners = [launch.email for launch in launches]
    accepted = sum(1 for launch in launches if launch.accepted)
    timed_out: list[str] = []
    ready_at = await _wait(
        lambda: _ready_count(rig, owners), accepted, plan.patience, timed_out, "Ready in Postgres"
    )
    outage = await fault_task if fault_task is not None else None
    if plan.streams:
        await _wait_streams(launches, plan.patience, timed_out)
    requests, _ = await kube_requests(session, rig)
    end = footprints(processes)
    if plan.until_deadlines:
        rows = await history_rows(rig, owners)
        last = max((row.expires_at for row in rows.values()), default=time.time())
        await _wait(
            lambda: _ended_count(rig, owners),
            len(rows),
            max(0.0, last - time.time()) + plan.patience,
            timed_out,
            "Terminated",
        )
    stop.set()
    await asyncio.gather(*streams, return_exceptions=True)
    verdict = await verify(rig, session, launches, ended=plan.until_deadlines, streams=plan.streams)
    return Result(
        plan,
        launches,
        verdict,
        started_at,
        sent_at,
        ready_at,
        requests,
        idle,
        end,
        outage,
        timed_out,
        answered,
        released_at,
        leading_at,
        objects,
    )


async def _first_leader(rig: Rig, session: aiohttp.ClientSession, timeout: float = 300.0) -> float:
    """When an operator replica holds the Lease (polled; the start of a queued drain)."""
    deadline = time.monotonic() + timeout
    while await rig.leader(session) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"no operator took the Lease within {timeout:g} s")
        await asyncio.sleep(POLL / 5)
    return time.time()


async def _at(moment: float, fault: Any) -> Outage:
    await asyncio.sleep(max(0.0, moment - time.monotonic()))
    outage: Outage = await fault
    return outage


async def _wait(
    probe: Any, wanted: int, patience: float, timed_out: list[str], what: str
) -> float | None:
    """Poll ``probe`` until it counts ``wanted``; the wall time it did, or None (noted)."""
    deadline = time.monotonic() + patience
    while True:
        seen = await probe()
        if seen is not None and seen >= wanted:
            return time.time()
        if time.monotonic() > deadline:
            timed_out.append(f"{what}: {seen} of {wanted} after {patience:g} s")
            return None
        await asyncio.sleep(POLL)


async def _wait_streams(launches: list[Launch], patience: float, timed_out: list[str]) -> None:
    deadline = time.monotonic() + patience
    waiting = [launch for launch in launches if launch.accepted]
    while any(launch.ready_seen_at is None for launch in waiting):
        if time.monotonic() > deadline:
            missing = sum(1 for launch in waiting if launch.ready_seen_at is None)
            timed_out.append(f"Ready on the stream: {missing} missing after {patience:g} s")
            return
        await asyncio.sleep(POLL)


async def end_all(rig: Rig, launches: list[Launch], *, patience: float = 300.0) -> None:
    """Terminate every accepted launch (as its learner) and wait until all have ended."""
    limit = asyncio.Semaphore(20)
    async with aiohttp.ClientSession() as session:

        async def end(launch: Launch, address: str) -> None:
            async with (
                limit,
                session.delete(
                    f"{address}/api/v1/instances/{launch.name}",
                    headers={"X-Auth-Request-Email": launch.email},
                ) as answer,
            ):
                await answer.read()

        accepted = [launch for launch in launches if launch.name]
        urls = rig.api_urls
        await asyncio.gather(*(end(x, urls[i % len(urls)]) for i, x in enumerate(accepted)))
    owners = [launch.email for launch in accepted]
    await _wait(lambda: _ended_count(rig, owners), len(accepted), patience, [], "Terminated")
