"""The waiting room: launches wait in line, durably, when seats or capacity run out.

A class's join that finds the class's seats or the platform's capacity taken gets a
ticket instead of a 429 (``wait_in_line``); so does an ordinary launch
(``POST /api/v1/instances``, see ``waiting``), as a ticket without a class. The
``Admitter``, one per api process, moves the one line: a pass (one replica at a time,
under a transaction-scoped advisory lock) walks the waiting tickets in arrival order and
launches each through ``launching.launch`` with the idempotency key ``queue-<ticket>``, so
a pass cut short after the launch committed and before the ticket was marked launches
nothing twice: the next pass gets the same instance back and marks the ticket
(docs/src/content/docs/decisions/0070).

Each learner whose place moved or whose wait ended gets a ``waiting changed`` notice
through the outbox, in the transaction that moved it; the live stream shows it.
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

import asyncpg

from orchestra_api.cohorts import ClassRecord, fetch_class
from orchestra_api.config import ApiSettings
from orchestra_api.launching import launch
from orchestra_api.metering import Metrics
from orchestra_api.placing import Place as Place
from orchestra_api.placing import (
    announce,
    notice,
    place_of_ticket,
    places_of_class,
    same_line,
)
from orchestra_api.placing import places as every_place
from orchestra_api.planning import ForClass
from orchestra_api.problems import CapacityFull, ClassFull, Conflict, NotFound, ProblemError
from orchestra_api.records import add_to_outbox
from orchestra_api.tickets import (
    TicketRecord,
    enqueue,
    fetch_ticket,
    fetch_waiting,
    fetch_waiting_of_class,
    fetch_waiting_ticket,
    set_blocked_on,
    settle_ticket,
)
from orchestra_shared.catalogs import Catalog
from orchestra_shared.events import WaitingState
from orchestra_shared.retrying import pass_forever

log = logging.getLogger(__name__)

PASS_LOCK = "waiting-room"


async def places(
    connection: asyncpg.Connection | asyncpg.Pool, klass: ClassRecord, now: datetime
) -> list[Place]:
    """Everyone waiting for ``klass``, first in line first, with their estimates."""
    return await places_of_class(connection, klass.id, now)


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
    await announce(connection, await places(connection, klass, now), now)


async def wait_in_line(
    pool: asyncpg.Pool,
    klass: ClassRecord,
    owner: str,
    blocked_on: str,
    now: datetime,
    *,
    metrics: Metrics | None = None,
) -> Place:
    """Take (or keep) the learner's place in the class's line and tell the line."""
    async with pool.acquire() as connection, connection.transaction():
        ticket = await enqueue(
            connection, klass.id, owner, blocked_on, now, template_slug=klass.template_slug
        )
        await announce_places(connection, klass, now)
    if metrics is not None and ticket.enqueued_at == now:
        metrics.queued(ticket.blocked_on)
    place = await place_of(pool, klass, owner, now)
    return place or Place(ticket=ticket, position=None, estimate_seconds=None)


async def leave_ticket(
    pool: asyncpg.Pool, ticket_id: int, owner: str, now: datetime
) -> TicketRecord | None:
    """The learner gives up their place; the ones behind in the same line move up and are
    told. None: the ticket is not theirs or no longer waiting."""
    async with pool.acquire() as connection, connection.transaction():
        ticket = await fetch_ticket(connection, ticket_id)
        if ticket is None or ticket.owner != owner:
            return None
        left = await settle_ticket(connection, ticket.id, "left", now)
        if left is None:
            return None
        await add_to_outbox(connection, notice(left, "left", now))
        behind = [p for p in await every_place(connection, now) if same_line(p.ticket, ticket)]
        await announce(connection, behind, now)
    return left


async def leave_line(
    pool: asyncpg.Pool,
    klass: ClassRecord,
    owner: str,
    now: datetime,
    *,
    metrics: Metrics | None = None,
) -> TicketRecord | None:
    """The learner leaves the class's line. None: not in line."""
    ticket = await fetch_waiting_ticket(pool, klass.id, owner)
    left = await leave_ticket(pool, ticket.id, owner, now) if ticket else None
    if left is not None and metrics is not None:
        metrics.waited("left")
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


async def my_ticket(
    pool: asyncpg.Pool, owner: str, ticket_id: int, now: datetime
) -> tuple[TicketRecord, Place | None]:
    """The learner's ticket and, while it waits, its place; ``NotFound`` for anyone else's
    (a ticket id is a counter, so whose it is must not be guessable by trying)."""
    ticket = await fetch_ticket(pool, ticket_id)
    if ticket is None or ticket.owner != owner:
        raise NotFound(f"you hold no ticket {ticket_id} in the waiting room")
    place = await place_of_ticket(pool, ticket.id, now) if ticket.state == "waiting" else None
    return ticket, place


async def my_places(pool: asyncpg.Pool, owner: str, now: datetime) -> list[Place]:
    """The learner's places in line (ordinary launches and classes), first in line first."""
    return [p for p in await every_place(pool, now) if p.ticket.owner == owner]


async def leave(
    pool: asyncpg.Pool, owner: str, ticket_id: int, now: datetime, *, metrics: Metrics
) -> TicketRecord:
    """Leave the line: the ticket ends as ``left``. Leaving twice answers the same; a ticket
    already admitted or refused is a ``Conflict`` (end the session instead)."""
    ticket, _ = await my_ticket(pool, owner, ticket_id, now)
    if ticket.state == "waiting":
        left = await leave_ticket(pool, ticket.id, owner, now)
        if left is not None:
            metrics.waited("left")
            return left
        ticket, _ = await my_ticket(pool, owner, ticket_id, now)  # settled meanwhile
    if ticket.state == "left":
        return ticket
    raise Conflict(
        f"this wait already ended ({ticket.state})"
        + (f"; end the session {ticket.instance} instead" if ticket.instance else ""),
        session=ticket.instance,
    )


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
        await pass_forever(
            self.admit_once,
            woken=self._woken,
            interval=self.settings.waiting_room_interval,
            what="waiting room",
            log=log,
        )

    async def admit_once(self) -> int:
        """One pass over the line; returns how many tickets it admitted.

        Walks in arrival order. The head blocked on the platform's capacity stops the walk
        (nobody overtakes it); a ticket blocked on its class's seats or its template's own
        capacity holds back only later tickets of that class or template.
        """
        admitted = 0
        settled: list[str] = []
        async with self.pool.acquire() as connection, connection.transaction():
            if not await connection.fetchval(
                "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))", PASS_LOCK
            ):
                return 0  # another replica is moving the line
            tickets = await fetch_waiting(connection, self.settings.waiting_room_batch)
            blocked_classes: set[str] = set()
            blocked_templates: set[str] = set()
            moved = False
            for ticket in tickets:
                if ticket.class_id in blocked_classes or ticket.template_slug in blocked_templates:
                    continue
                outcome = await self._admit(connection, ticket)
                if outcome == "capacity":
                    break  # the head of the line keeps its place; nobody overtakes it
                if outcome == "seats" and ticket.class_id is not None:
                    blocked_classes.add(ticket.class_id)
                elif outcome == "template" and ticket.template_slug is not None:
                    blocked_templates.add(ticket.template_slug)
                elif outcome in ("admitted", "refused"):
                    moved = True
                    settled.append(outcome)
                    admitted += outcome == "admitted"
            if moved:
                now = self.clock()
                await announce(connection, await every_place(connection, now), now)
        for outcome in settled:  # counted once the pass committed
            self.metrics.waited(outcome)
        self.passes += 1
        return admitted

    async def _admit(self, connection: asyncpg.Connection, ticket: TicketRecord) -> str:
        now = self.clock()
        klass = await fetch_class(connection, ticket.class_id) if ticket.class_id else None
        if ticket.class_id is not None and (klass is None or not klass.is_open(now)):
            await self._settle(connection, ticket, "refused", now, reason="the class has ended")
            return "refused"
        slug = klass.template_slug if klass is not None else ticket.template_slug
        try:
            record, _ = await launch(
                self.pool,
                self.catalog,
                slug=slug or "",
                owner=ticket.owner,
                duration_text=ticket.duration,
                now=now,
                idempotency_key=f"queue-{ticket.id}",
                settings=self.settings,
                metrics=self.metrics,
                for_class=ForClass.of(klass) if klass is not None else None,
            )
        except ClassFull:
            await set_blocked_on(connection, ticket.id, "seats")
            return "seats"
        except CapacityFull as full:
            line = "template" if full.extensions.get("rule") == "template-capacity" else "capacity"
            await set_blocked_on(connection, ticket.id, line)
            return line
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
