"""The waiting room: a class's launches wait in line, durably, when seats or capacity run out.

A join that finds the class's seats or the platform's capacity taken gets a
``class_queue`` row instead of a 429 (``wait_in_line``). The ``Admitter``, one per api
process, moves the line: a pass (one replica at a time, under a transaction-scoped
advisory lock) walks the waiting tickets in arrival order and launches each through
``launching.launch`` with the idempotency key ``queue-<ticket>``, so a pass cut short
after the launch committed and before the ticket was marked launches nothing twice: the
next pass gets the same instance back and marks the ticket (docs/src/content/docs/decisions/0070).

Each learner whose place moved or whose wait ended gets a ``waiting changed`` notice
through the outbox, in the transaction that moved it; the live stream shows it.
"""

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from orchestra_api.cohorts import (
    ClassRecord,
    TicketRecord,
    enqueue,
    fetch_class,
    fetch_pace,
    fetch_waiting,
    fetch_waiting_of_class,
    fetch_waiting_ticket,
    set_blocked_on,
    settle_ticket,
)
from orchestra_api.config import ApiSettings
from orchestra_api.launching import ForClass, launch
from orchestra_api.metering import Metrics
from orchestra_api.problems import CapacityFull, ClassFull, ProblemError
from orchestra_api.records import add_to_outbox
from orchestra_shared.catalogs import Catalog
from orchestra_shared.events import WaitingChanged, WaitingState
from orchestra_shared.retrying import POSTGRES_OUTAGES, Backoff, raise_if_cancelled

log = logging.getLogger(__name__)

PACE_WINDOW_SECONDS = 30 * 60
PASS_LOCK = "waiting-room"


def estimate(
    position: int,
    *,
    ended_recently: int,
    window_seconds: int,
    median_ready_seconds: float | None,
) -> int | None:
    """Seconds until a learner at ``position`` is likely Ready, or None when nothing ended
    recently (no pace to extrapolate from: the dashboard says "unknown", not a guess).

    The line moves as sessions end: at the recent rate, ``position`` seats free in
    ``position / rate`` seconds; then the launch takes the template's median time to Ready.
    """
    if position < 1 or ended_recently <= 0 or window_seconds <= 0:
        return None
    rate = ended_recently / window_seconds
    return math.ceil(position / rate + (median_ready_seconds or 0.0))


@dataclass(frozen=True)
class Place:
    """A waiting learner's place in line, as the api answers it."""

    ticket: TicketRecord
    position: int | None
    estimate_seconds: int | None


def notice(
    ticket: TicketRecord,
    state: WaitingState,
    now: datetime,
    *,
    position: int | None = None,
    estimate_seconds: int | None = None,
) -> WaitingChanged:
    return WaitingChanged(
        owner=ticket.owner,
        class_id=ticket.class_id,
        occurred_at=now,
        ticket=ticket.id,
        state=state,
        position=position,
        estimate_seconds=estimate_seconds,
        instance=ticket.instance,
        reason=ticket.reason,
    )


async def places(
    connection: asyncpg.Connection | asyncpg.Pool, klass: ClassRecord, now: datetime
) -> list[Place]:
    """Everyone waiting for ``klass``, first in line first, with their estimates."""
    waiting = await fetch_waiting_of_class(connection, klass.id)
    if not waiting:
        return []
    pace = await fetch_pace(connection, klass.template_slug, now, PACE_WINDOW_SECONDS)
    return [
        Place(
            ticket=ticket,
            position=index,
            estimate_seconds=estimate(
                index,
                ended_recently=pace.ended_recently,
                window_seconds=pace.window_seconds,
                median_ready_seconds=pace.median_ready_seconds,
            ),
        )
        for index, ticket in enumerate(waiting, start=1)
    ]


async def place_of(
    connection: asyncpg.Connection | asyncpg.Pool, klass: ClassRecord, owner: str, now: datetime
) -> Place | None:
    for place in await places(connection, klass, now):
        if place.ticket.owner == owner:
            return place
    return None


async def announce_places(
    connection: asyncpg.Connection, klass: ClassRecord, now: datetime
) -> None:
    """Tell everyone waiting for ``klass`` where they stand now (in the caller's transaction)."""
    for place in await places(connection, klass, now):
        await add_to_outbox(
            connection,
            notice(
                place.ticket,
                "waiting",
                now,
                position=place.position,
                estimate_seconds=place.estimate_seconds,
            ),
        )


async def wait_in_line(
    pool: asyncpg.Pool, klass: ClassRecord, owner: str, blocked_on: str, now: datetime
) -> Place:
    """Take (or keep) the learner's place in line and tell the line."""
    async with pool.acquire() as connection, connection.transaction():
        ticket = await enqueue(connection, klass.id, owner, blocked_on, now)
        await announce_places(connection, klass, now)
    place = await place_of(pool, klass, owner, now)
    return place or Place(ticket=ticket, position=None, estimate_seconds=None)


async def leave_line(
    pool: asyncpg.Pool, klass: ClassRecord, owner: str, now: datetime
) -> TicketRecord | None:
    """The learner gives up their place; the ones behind move up. None: not in line."""
    async with pool.acquire() as connection, connection.transaction():
        ticket = await fetch_waiting_ticket(connection, klass.id, owner)
        if ticket is None:
            return None
        left = await settle_ticket(connection, ticket.id, "left", now)
        if left is None:
            return None
        await add_to_outbox(connection, notice(left, "left", now))
        await announce_places(connection, klass, now)
    return left


async def refuse_waiting(
    connection: asyncpg.Connection, klass: ClassRecord, reason: str, now: datetime
) -> int:
    """Settle every waiting ticket of the class as refused (the class ended)."""
    settled = 0
    for ticket in await fetch_waiting_of_class(connection, klass.id):
        done = await settle_ticket(connection, ticket.id, "refused", now, reason=reason)
        if done is not None:
            await add_to_outbox(connection, notice(done, "refused", now))
            settled += 1
    return settled


class Admitter:
    """Moves the waiting room: a pass now and then, and at once when woken."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        catalog: Catalog,
        *,
        settings: ApiSettings,
        metrics: Metrics,
        clock: Callable[[], datetime],
    ) -> None:
        self.pool = pool
        self.catalog = catalog
        self.settings = settings
        self.metrics = metrics
        self.clock = clock
        self._woken = asyncio.Event()
        self.passes = 0  # completed passes, for tests that wait on one

    def wake(self) -> None:
        self._woken.set()

    async def run(self) -> None:
        backoff = Backoff(0.5, 10.0)
        while True:
            try:
                await self.admit_once()
                backoff.reset()
            except POSTGRES_OUTAGES as error:
                log.warning("waiting room cannot reach Postgres", extra={"error": repr(error)})
                raise_if_cancelled()
                await backoff.wait()
                continue
            raise_if_cancelled()
            self._woken.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._woken.wait(), timeout=self.settings.waiting_room_interval
                )

    async def admit_once(self) -> int:
        """One pass over the line; returns how many tickets it admitted."""
        admitted = 0
        async with self.pool.acquire() as connection, connection.transaction():
            if not await connection.fetchval(
                "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))", PASS_LOCK
            ):
                return 0  # another replica is moving the line
            tickets = await fetch_waiting(connection, self.settings.waiting_room_batch)
            moved: dict[str, ClassRecord] = {}
            blocked: set[str] = set()
            for ticket in tickets:
                if ticket.class_id in blocked:
                    continue
                klass = await fetch_class(connection, ticket.class_id)
                if klass is None:
                    continue
                outcome = await self._admit(connection, ticket, klass)
                if outcome == "capacity":
                    break  # the head of the line keeps its place; nobody overtakes it
                if outcome == "seats":
                    blocked.add(klass.id)
                    continue
                moved[klass.id] = klass
                admitted += outcome == "admitted"
            now = self.clock()
            for klass in moved.values():
                await announce_places(connection, klass, now)
        self.passes += 1
        if admitted:
            self.metrics.waiting_admissions.inc(admitted)
        return admitted

    async def _admit(
        self, connection: asyncpg.Connection, ticket: TicketRecord, klass: ClassRecord
    ) -> str:
        now = self.clock()
        if not klass.is_open(now):
            await self._settle(connection, ticket, "refused", now, reason="the class has ended")
            return "refused"
        try:
            record, _ = await launch(
                self.pool,
                self.catalog,
                slug=klass.template_slug,
                owner=ticket.owner,
                duration_text=None,
                now=now,
                idempotency_key=f"queue-{ticket.id}",
                settings=self.settings,
                metrics=self.metrics,
                for_class=ForClass.of(klass),
            )
        except ClassFull:
            await set_blocked_on(connection, ticket.id, "seats")
            return "seats"
        except CapacityFull:
            await set_blocked_on(connection, ticket.id, "capacity")
            return "capacity"
        except ProblemError as problem:  # a per-learner limit, a template gone
            await self._settle(connection, ticket, "refused", now, reason=problem.detail)
            return "refused"
        await self._settle(connection, ticket, "admitted", now, instance=record.name)
        return "admitted"

    @staticmethod
    async def _settle(
        connection: asyncpg.Connection,
        ticket: TicketRecord,
        state: WaitingState,
        now: datetime,
        *,
        instance: str | None = None,
        reason: str | None = None,
    ) -> None:
        done = await settle_ticket(
            connection, ticket.id, state, now, instance=instance, reason=reason
        )
        if done is not None:
            await add_to_outbox(connection, notice(done, state, now))
