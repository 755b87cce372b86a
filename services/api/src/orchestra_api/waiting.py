"""An ordinary launch's place in the waiting room: what the learner already holds, and
what counts against their limits (docs/src/content/docs/decisions/0070).

``launching.launch_or_wait`` calls these inside the launch transaction, under the
learner's lock, so a retried POST finds its ticket and two clicks cannot both queue.
Everything the launch needs to decide is read in one round trip (``fetch_standing``):
at a class's start the api's cost per launch is mostly its round trips.
"""

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from orchestra_api.admitting import Refusal
from orchestra_api.records import USAGE_FROM_SQL, InstanceRecord, Usage, fetch_instance
from orchestra_api.tickets import (
    LINE_FROM_SQL,
    BlockedOn,
    TicketRecord,
    fetch_ticket,
    fetch_ticket_by_key,
)


@dataclass(frozen=True)
class Standing:
    """What an ordinary launch is decided on."""

    usage: Usage
    """The launch rules' counts, the learner's places in line counted as sessions to come."""
    open_ticket: int | None
    """The learner's place in the open line for this template, if they hold one."""
    ahead: BlockedOn | None
    """What someone already waiting (whom a newcomer must not overtake) waits for."""


_STANDING_SQL = f"""
    SELECT own.mine + line.places AS mine,
           own.mine_of_template + line.places_of_template AS mine_of_template,
           platform.total, platform.of_template, line.open_ticket, behind.ahead
    FROM {USAGE_FROM_SQL}, {LINE_FROM_SQL}
"""


async def fetch_standing(
    connection: asyncpg.Connection, owner: str, slug: str, now: datetime
) -> Standing:
    row = await connection.fetchrow(_STANDING_SQL, owner, slug, now)
    usage = Usage(row["mine"], row["mine_of_template"], row["total"], row["of_template"])
    return Standing(usage=usage, open_ticket=row["open_ticket"], ahead=row["ahead"])


def line_of(refused: Refusal | None) -> BlockedOn | None:
    """The line a refusal for capacity waits in; None when nothing is full."""
    if refused is None or refused.is_limit:
        return None
    return "template" if refused.rule == "template-capacity" else "capacity"


async def held_place(
    connection: asyncpg.Connection, owner: str, standing: Standing, idempotency_key: str | None
) -> InstanceRecord | TicketRecord | None:
    """What a learner already holds for this launch: the ticket of the same key (or its
    instance, once admitted), else their place in the open line for this template."""
    if idempotency_key:
        ticket = await fetch_ticket_by_key(connection, owner, idempotency_key)
        if ticket is not None:
            if ticket.instance is not None:
                admitted = await fetch_instance(connection, ticket.instance)
                if admitted is not None:
                    return admitted
            return ticket
    if standing.open_ticket is None:
        return None
    return await fetch_ticket(connection, standing.open_ticket)
