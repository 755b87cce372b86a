"""What the api says about a place in the waiting room (docs/src/content/docs/decisions/0070).

``WaitingTicketBody`` is the answer of a launch that waits (``POST /api/v1/instances`` at
capacity, 202) and of ``/api/v1/waiting-room/{ticket}``. It never looks like an
instance: it has ``ticket`` and ``state`` and no ``name``, and its ``Location`` is under
``/api/v1/waiting-room/``, so a client tells a queued launch from a started one by either.
"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from orchestra_api.placing import Place
from orchestra_api.tickets import TicketRecord

WAITING_ROOM_PATH = "/api/v1/waiting-room"

TICKET_EXAMPLE: JsonDict = {
    "ticket": 42,
    "state": "waiting",
    "template": "rstudio",
    "class_id": None,
    "position": 3,
    "estimate_seconds": 420,
    "blocked_on": "capacity",
    "enqueued_at": "2026-09-01T09:00:03Z",
    "settled_at": None,
    "instance": None,
    "reason": None,
    "url": "/api/v1/waiting-room/42",
}


def ticket_url(ticket: int) -> str:
    return f"{WAITING_ROOM_PATH}/{ticket}"


class WaitingTicketBody(BaseModel):
    """A place in the waiting room: a launch that waits for room instead of being refused."""

    model_config = ConfigDict(json_schema_extra={"examples": [TICKET_EXAMPLE]})

    ticket: int = Field(description="The ticket's id; arrival order.")
    state: Literal["waiting", "admitted", "left", "refused"] = Field(
        description=(
            "waiting: in line; admitted: launched (see instance); left: the learner left "
            "the line; refused: the wait ended without a launch (see reason)."
        )
    )
    template: str | None = Field(description="The template the ticket launches.")
    class_id: str | None = Field(description="The class joined; null for an ordinary launch.")
    position: int | None = Field(description="1: next in line; null once the wait ended.")
    estimate_seconds: int | None = Field(
        description=(
            "About how long until Ready, from recent sessions ending and the template's "
            "time to Ready; null: unknown (no session ended recently), or the wait ended."
        )
    )
    blocked_on: Literal["capacity", "seats", "template"] = Field(
        description=(
            "What it waits for: the platform's capacity (one line for everyone), the "
            "class's seats, or the template's own capacity."
        )
    )
    enqueued_at: datetime
    settled_at: datetime | None
    instance: str | None = Field(description="The instance launched, once admitted.")
    reason: str | None = Field(description="Why the wait ended without a launch.")
    url: str = Field(description="Poll it (GET) or leave the line (DELETE).")

    @classmethod
    def of(cls, ticket: TicketRecord, place: Place | None = None) -> "WaitingTicketBody":
        blocked = ticket.blocked_on if ticket.blocked_on in ("seats", "template") else "capacity"
        return cls(
            ticket=ticket.id,
            state=ticket.state,
            template=ticket.template_slug,
            class_id=ticket.class_id,
            position=place.position if place is not None else None,
            estimate_seconds=place.estimate_seconds if place is not None else None,
            blocked_on=blocked,
            enqueued_at=ticket.enqueued_at,
            settled_at=ticket.settled_at,
            instance=ticket.instance,
            reason=ticket.reason,
            url=ticket_url(ticket.id),
        )
