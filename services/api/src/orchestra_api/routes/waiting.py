"""``/api/v1/waiting-room``: a learner's places in line, one place polled, and leaving.

A launch that finds the platform full answers 202 with a ticket whose ``url`` is here
(docs/src/content/docs/decisions/0070); a class's join gets one too. Owner only: anyone
else's ticket is a 404.
"""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path

from orchestra_api.deps import CurrentUser, StateDep
from orchestra_api.problems import problem_responses
from orchestra_api.queueing import leave, my_places, my_ticket
from orchestra_api.ticket_bodies import TICKET_EXAMPLE, WAITING_ROOM_PATH, WaitingTicketBody

router = APIRouter(prefix=WAITING_ROOM_PATH, tags=["waiting room"])

TicketId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The ticket's id.")]


@router.get(
    "",
    operation_id="listMyPlaces",
    response_model=list[WaitingTicketBody],
    summary="My places in line (launches and classes), first in line first",
    responses=problem_responses(401, 403),
)
async def list_places(state: StateDep, user: CurrentUser) -> list[WaitingTicketBody]:
    return [
        WaitingTicketBody.of(place.ticket, place)
        for place in await my_places(state.pool, user.email, datetime.now(UTC))
    ]


@router.get(
    "/{ticket}",
    operation_id="getMyTicket",
    response_model=WaitingTicketBody,
    summary="One of my tickets: my place and estimate, or how the wait ended",
    responses={
        200: {"content": {"application/json": {"example": TICKET_EXAMPLE}}},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_ticket(ticket: TicketId, state: StateDep, user: CurrentUser) -> WaitingTicketBody:
    record, place = await my_ticket(state.pool, user.email, ticket, datetime.now(UTC))
    return WaitingTicketBody.of(record, place)


@router.delete(
    "/{ticket}",
    operation_id="leaveLine",
    response_model=WaitingTicketBody,
    summary="Leave the line: the ticket ends as 'left' and those behind move up",
    description=(
        "Leaving twice answers the same. A ticket already admitted is a 409 that names "
        "its instance (end the session instead)."
    ),
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def leave_line(ticket: TicketId, state: StateDep, user: CurrentUser) -> WaitingTicketBody:
    left = await leave(state.pool, user.email, ticket, datetime.now(UTC), metrics=state.metrics)
    state.admitter.wake()
    return WaitingTicketBody.of(left)
