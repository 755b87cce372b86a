"""What breaks in the middle of a burst, and when the broken part was back.

Each fault is one coroutine over the rig: it breaks one part, brings it back as
Kubernetes or an on-call engineer would (a killed process is started again), and says
when it broke and when the part was back (``Outage``). How long the pipeline then took to
catch up is the run's to measure (``runs``), not the fault's.

- ``operator-leader``: SIGKILL to the operator replica holding the Lease; the other
  replica takes over once the Lease runs out; the killed one comes back as the standby.
- ``nats``: NATS stopped and started again (its JetStream store kept, as on a pod restart),
  at once or after ``hold`` seconds down.
- ``postgres``: Postgres stopped and started again, likewise.
- ``sync``: sync stopped for ``hold`` seconds (or until the last launch was sent), then
  started again.
- ``api``: SIGKILL to one api replica while it serves a launch, started again at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

from orchestra_devstack.bursts.learners import InFlight
from orchestra_devstack.bursts.rigs import Rig
from orchestra_devstack.servers import SupervisedServer

POLL = 0.2
"""Seconds between looks at the Lease while a standby takes over."""


@dataclass
class Outage:
    fault: str
    started_at: float
    back_at: float
    notes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.back_at - self.started_at


@dataclass
class FaultContext:
    rig: Rig
    session: aiohttp.ClientSession
    in_flight: InFlight
    all_sent: asyncio.Event
    hold: float | None = None
    """Seconds the part stays down: for ``nats`` and ``postgres`` None is a plain restart,
    for ``sync`` None is until every launch was sent."""
    takeover_timeout: float = 120.0


Fault = Callable[[FaultContext], Awaitable[Outage]]


async def kill_operator_leader(context: FaultContext) -> Outage:
    rig = context.rig
    leader = await rig.leader(context.session)
    if leader is None:
        raise RuntimeError("no operator holds the Lease")
    killed = rig.operator_named(leader)
    started = time.time()
    await killed.kill()
    deadline = time.monotonic() + context.takeover_timeout
    while (holder := await rig.leader(context.session)) in (leader, None):
        if time.monotonic() > deadline:
            raise RuntimeError(f"nobody took the Lease over from {leader}")
        await asyncio.sleep(POLL)
    back = time.time()
    await killed.start()  # as its Deployment would: back, now the standby
    return Outage("operator-leader", started, back, [f"{leader} killed, {holder} took over"])


async def _down_for(server: SupervisedServer, name: str, hold: float | None) -> Outage:
    started = time.time()
    if hold is None:
        await server.restart()
    else:
        await server.stop()
        await asyncio.sleep(hold)  # the outage itself lasts this long, by design
        await server.start()
    return Outage(name, started, time.time())


async def restart_nats(context: FaultContext) -> Outage:
    return await _down_for(context.rig.stack.nats, "nats", context.hold)


async def restart_postgres(context: FaultContext) -> Outage:
    return await _down_for(context.rig.stack.postgres, "postgres", context.hold)


async def stop_sync(context: FaultContext) -> Outage:
    sync = context.rig.stack.service("sync")
    started = time.time()
    await sync.stop()
    if context.hold is None:
        await context.all_sent.wait()
    else:
        await asyncio.sleep(context.hold)  # the outage itself lasts this long, by design
    await sync.start()
    return Outage("sync", started, time.time())


async def kill_api_replica(context: FaultContext) -> Outage:
    rig = context.rig
    victim, address = rig.apis[0], rig.api_urls[0]
    await context.in_flight.wait_busy(address)
    started = time.time()
    busy = context.in_flight.by_address[address]
    await victim.kill()
    await victim.start()
    return Outage("api", started, time.time(), [f"killed with {busy} launch(es) in flight"])


FAULTS: dict[str, Fault] = {
    "operator-leader": kill_operator_leader,
    "nats": restart_nats,
    "postgres": restart_postgres,
    "sync": stop_sync,
    "api": kill_api_replica,
}
