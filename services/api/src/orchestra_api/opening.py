"""Opening a workshop: a single-use ticket for the gate in front of it (docs/src/content/docs/decisions/0050).

The api knows who the caller is; the gate in front of every workshop does not.
So when a learner clicks Open, the api checks they may enter, seals a ticket
bound to that one instance, that person and a role, valid for a minute, and
sends the browser to the workshop host's open path with it. The gate redeems the
ticket once and sets its own cookie. ``admission_role`` is the one rule of who
may enter: the owner today; instructors and collaborators later, as more roles.
Called by ``routes.instances``.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import asyncpg

from orchestra_api.config import ApiSettings
from orchestra_api.identities import Identity
from orchestra_api.problems import Conflict, Forbidden, InstanceEnded, NotFound
from orchestra_api.records import InstanceRecord, fetch_instance, fetch_namespace
from orchestra_shared.passes import (
    NEXT_PARAMETER,
    OPEN_PATH,
    TICKET_PARAMETER,
    Pass,
    Role,
    safe_next,
    seal,
)


class NotReady(Conflict):
    slug, title = "not-ready", "The workshop is not ready yet"


def admission_role(record: InstanceRecord, user: Identity) -> Role | None:
    """In which role ``user`` may enter the workshop, or None. Admins see, but do not enter."""
    if record.owner == user.email:
        return "owner"
    return None


def ticket_url(workshop_url: str, ticket: str, next_path: str) -> str:
    url = f"{workshop_url.rstrip('/')}{OPEN_PATH}?{TICKET_PARAMETER}={ticket}"
    if next_path != "/":
        url += f"&{NEXT_PARAMETER}={quote(next_path, safe='')}"
    return url


async def open_instance(
    pool: asyncpg.Pool,
    *,
    name: str,
    user: Identity,
    next_path: str | None,
    settings: ApiSettings,
    now: datetime,
) -> tuple[str, datetime]:
    """The URL that lets ``user`` into ``name`` (with a fresh ticket), and when it expires."""
    record = await fetch_instance(pool, name)
    if record is None or not user.may_act_on(record.owner):
        raise NotFound(f"no instance named {name!r}")
    role = admission_role(record, user)
    if role is None:
        raise Forbidden("only the learner who launched a workshop may open it")
    if record.terminate_requested_at is not None or record.phase in ("Terminating", "Terminated"):
        raise InstanceEnded(f"{name} has ended or is ending")
    namespace = await fetch_namespace(pool, name)
    if record.phase != "Ready" or not record.url or not namespace:
        raise NotReady(f"{name} is {record.phase}; open it once it is Ready", phase=record.phase)
    expires = int(now.timestamp()) + settings.gate_ticket_seconds
    ticket = Pass(
        purpose="ticket",
        instance=name,
        subject=user.email,
        role=role,
        namespace=namespace,
        expires_at=expires,
    )
    sealed = seal(ticket, settings.gate_ticket_secret.get_secret_value())
    return ticket_url(record.url, sealed, safe_next(next_path)), datetime.fromtimestamp(
        expires, now.tzinfo
    )
