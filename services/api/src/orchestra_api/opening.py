"""Opening a workshop: a single-use ticket for the gate in front of it (docs/src/content/docs/decisions/0050).

The api knows who the caller is; the gate in front of every workshop does not.
So when a learner clicks Open, the api checks they may enter, seals a ticket
bound to that one instance, that person and a role, valid for a minute, and
sends the browser to the workshop host's open path with it. The gate redeems the
ticket once and sets its own cookie. ``admission_role`` is the one rule of who
may enter: the owner, and an instructor of the session's class while the learner
consents or the class allows it (``helping``; docs/src/content/docs/decisions/0070).
Called by ``routes.instances``.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import asyncpg

from orchestra_api.cohorts import fetch_class
from orchestra_api.config import ApiSettings
from orchestra_api.helping import help_allowed, instructs, teaches_any
from orchestra_api.identities import Identity
from orchestra_api.metering import Metrics
from orchestra_api.problems import (
    Conflict,
    Forbidden,
    InstanceEnded,
    NoConsent,
    NotAnInstructor,
    NotFound,
)
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


async def admission_role(
    pool: asyncpg.Pool, record: InstanceRecord, user: Identity, settings: ApiSettings
) -> Role:
    """In which role ``user`` may enter the workshop; a problem in words when they may not.

    The owner enters as owner. An instructor of the session's class enters as instructor
    while the learner consents (or the class lets instructors in without asking). An
    admin sees every workshop but enters none. Another instructor hears that this is not
    their class; any other learner gets the 404 of a missing instance (ADR 0050: names
    of other learners' workshops are not confirmed to them)."""
    if record.owner == user.email:
        return "owner"
    klass = await fetch_class(pool, record.class_id) if record.class_id else None
    if klass is not None and instructs(user, klass):
        if await help_allowed(pool, record.name):
            return "instructor"
        raise NoConsent(
            f"{record.owner} has not let instructors into {record.name}; they can allow it "
            "from their dashboard"
        )
    if user.is_admin:
        raise Forbidden("only the learner who launched a workshop may open it")
    if settings.instructor_group in user.groups or await teaches_any(pool, user):
        raise NotAnInstructor(
            f"{record.name} is not a workshop of a class you teach"
            if klass is not None
            else f"{record.name} is not part of a class: only its learner may open it"
        )
    raise NotFound(f"no instance named {record.name!r}")


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
    metrics: Metrics | None = None,
) -> tuple[str, datetime]:
    """The URL that lets ``user`` into ``name`` (with a fresh ticket), and when it expires."""
    record = await fetch_instance(pool, name)
    if record is None:
        raise NotFound(f"no instance named {name!r}")
    try:
        role = await admission_role(pool, record, user, settings)
    except (NoConsent, NotAnInstructor):
        if metrics is not None:
            metrics.helper_opens.labels(outcome="refused").inc()
        raise
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
    if role == "instructor" and metrics is not None:
        metrics.helper_opens.labels(outcome="issued").inc()
    return ticket_url(record.url, sealed, safe_next(next_path)), datetime.fromtimestamp(
        expires, now.tzinfo
    )
