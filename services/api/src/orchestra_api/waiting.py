"""An ordinary launch's place in the waiting room: what the learner already holds, and
what counts against their limits (docs/src/content/docs/decisions/0070).

``launching.launch_or_wait`` calls these inside the launch transaction, under the
learner's lock, so a retried POST finds its ticket and two clicks cannot both queue.
"""

from dataclasses import replace

import asyncpg

from orchestra_api.admitting import Refusal
from orchestra_api.records import InstanceRecord, Usage, fetch_instance
from orchestra_api.tickets import (
    BlockedOn,
    TicketRecord,
    count_waiting_of_owner,
    fetch_open_waiting,
    fetch_ticket_by_key,
)


def line_of(refused: Refusal | None) -> BlockedOn | None:
    """The line a refusal for capacity waits in; None when nothing is full."""
    if refused is None or refused.is_limit:
        return None
    return "template" if refused.rule == "template-capacity" else "capacity"


async def held_place(
    connection: asyncpg.Connection, owner: str, slug: str, idempotency_key: str | None
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
    return await fetch_open_waiting(connection, owner, slug)


async def with_places(connection: asyncpg.Connection, usage: Usage, owner: str, slug: str) -> Usage:
    """A place held in line counts against the learner's limits as the session to come."""
    mine, of_template = await count_waiting_of_owner(connection, owner, slug)
    return replace(
        usage, mine=usage.mine + mine, mine_of_template=usage.mine_of_template + of_template
    )
