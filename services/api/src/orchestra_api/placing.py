"""Where a waiting learner stands: position, estimate, and the notices that tell them.

Pure arithmetic (``estimate``, ``same_line``) and thin reads over ``tickets``; used by
``queueing`` (which moves the line and writes the notices in its transactions), by
``waiting`` (an ordinary launch's ticket) and by the class views. A ticket waits in one of
three lines (docs/src/content/docs/decisions/0070): the platform's capacity, shared by
everyone in arrival order; its class's seats; or its template's own capacity.
"""

import math
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from orchestra_api.records import add_to_outbox
from orchestra_api.tickets import Pace, TicketRecord, fetch_pace, fetch_positions
from orchestra_shared.events import WaitingChanged, WaitingState

PACE_WINDOW_SECONDS = 30 * 60


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


def same_line(a: TicketRecord, b: TicketRecord) -> bool:
    """Whether two waiting tickets wait in the same line (so one's leaving moves the other)."""
    if a.blocked_on != b.blocked_on:
        return False
    if a.blocked_on == "seats":
        return a.class_id == b.class_id
    if a.blocked_on == "template":
        return a.template_slug == b.template_slug
    return True


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
        template=ticket.template_slug,
        occurred_at=now,
        ticket=ticket.id,
        state=state,
        position=position,
        estimate_seconds=estimate_seconds,
        instance=ticket.instance,
        reason=ticket.reason,
    )


async def places(connection: asyncpg.Connection | asyncpg.Pool, now: datetime) -> list[Place]:
    """Everyone waiting, first in line first, with their estimates (one pace per template)."""
    paces: dict[str, Pace] = {}
    found: list[Place] = []
    for positioned in await fetch_positions(connection):
        slug = positioned.ticket.template_slug
        pace = None
        if slug is not None:
            if slug not in paces:
                paces[slug] = await fetch_pace(connection, slug, now, PACE_WINDOW_SECONDS)
            pace = paces[slug]
        found.append(
            Place(
                ticket=positioned.ticket,
                position=positioned.position,
                estimate_seconds=estimate(
                    positioned.position,
                    ended_recently=pace.ended_recently,
                    window_seconds=pace.window_seconds,
                    median_ready_seconds=pace.median_ready_seconds,
                )
                if pace is not None
                else None,
            )
        )
    return found


async def places_of_class(
    connection: asyncpg.Connection | asyncpg.Pool, class_id: str, now: datetime
) -> list[Place]:
    return [p for p in await places(connection, now) if p.ticket.class_id == class_id]


async def place_of_ticket(
    connection: asyncpg.Connection | asyncpg.Pool, ticket: int, now: datetime
) -> Place | None:
    for place in await places(connection, now):
        if place.ticket.id == ticket:
            return place
    return None


async def announce(connection: asyncpg.Connection, chosen: list[Place], now: datetime) -> None:
    """Tell each of ``chosen`` where they stand now (in the caller's transaction)."""
    for place in chosen:
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
