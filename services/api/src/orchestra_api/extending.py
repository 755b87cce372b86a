"""Extending an instance: a later deadline, within the template's limits, through the outbox.

The rules (``plan_extension``, pure): the instance must still be starting or
running and not past its deadline; it may be extended at most
``max_extensions`` times; and its whole lifetime, from creation to the new
deadline, stays within the template's ``maxDuration`` as it was when the
instance was launched (``instances.max_duration_seconds``; see ADR 0040).

``extend`` locks the row (``SELECT … FOR UPDATE``), so two concurrent extend
calls are serialised and the second one is judged on the first one's result;
it then writes the new deadline and the ``extend requested`` event (with the
extension's number, which expiry uses as the schedule's revision) in the same
transaction (and, when an admin extends someone else's session, its audit entry).
Called by ``routes.instances``.
"""

from datetime import datetime, timedelta

import asyncpg

from orchestra_api import journaling
from orchestra_api.identities import Identity
from orchestra_api.problems import (
    ExtensionsExhausted,
    InstanceEnded,
    InvalidRequest,
    LifetimeExceeded,
    NotFound,
)
from orchestra_api.records import InstanceRecord, add_to_outbox, fetch_instance, mark_extended
from orchestra_shared.catalogs import Catalog
from orchestra_shared.durations import format_duration, parse_duration
from orchestra_shared.events import ExtendRequested
from orchestra_shared.templates import TemplateLimits

EXTENDABLE_PHASES = frozenset({"Requested", "Pending", "Provisioning", "Ready"})


def extension_length(text: str) -> timedelta:
    try:
        by = parse_duration(text)
    except ValueError as error:
        raise InvalidRequest(f"by: {error}", field="by") from error
    if by <= timedelta(0):
        raise InvalidRequest("by: must be positive", field="by")
    return by


def max_lifetime(record: InstanceRecord, catalog: Catalog) -> timedelta:
    """The template's maxDuration at launch; for older rows, today's template, else the platform's."""
    if record.max_duration_seconds is not None:
        return timedelta(seconds=record.max_duration_seconds)
    template = catalog.get(record.template_slug)
    return template.max_duration if template is not None else TemplateLimits().max_duration


def plan_extension(
    record: InstanceRecord,
    by: timedelta,
    *,
    now: datetime,
    max_extensions: int,
    max_lifetime: timedelta,
) -> datetime:
    """The new deadline, or the reason there is none (a 409 problem)."""
    if record.terminate_requested_at is not None or record.phase not in EXTENDABLE_PHASES:
        raise InstanceEnded(
            f"instance {record.name!r} is {record.phase.lower()}"
            + (" and its end was requested" if record.terminate_requested_at else ""),
            phase=record.phase,
        )
    if record.expires_at <= now:
        raise InstanceEnded(f"instance {record.name!r} has already expired", phase=record.phase)
    if record.extensions >= max_extensions:
        raise ExtensionsExhausted(
            f"instance {record.name!r} was extended {record.extensions} time(s), the most allowed",
            extensions=record.extensions,
            max_extensions=max_extensions,
        )
    expires_at = record.expires_at + by
    latest = record.created_at + max_lifetime
    if expires_at > latest:
        raise LifetimeExceeded(
            f"extending by {format_duration(by)} would run past the template's maximum of "
            f"{format_duration(max_lifetime)} from launch; it can run until {latest.isoformat()}",
            max_duration=format_duration(max_lifetime),
            latest_expires_at=latest.isoformat(),
        )
    return expires_at


async def extend(
    pool: asyncpg.Pool,
    catalog: Catalog,
    *,
    name: str,
    by_text: str,
    user: Identity,
    now: datetime,
    max_extensions: int,
) -> InstanceRecord:
    by = extension_length(by_text)
    async with pool.acquire() as connection, connection.transaction():
        record = await fetch_instance(connection, name, for_update=True)
        if record is None or not user.may_act_on(record.owner):
            raise NotFound(f"no instance named {name!r}")
        extended = await extend_locked(
            connection, record, by, catalog=catalog, now=now, max_extensions=max_extensions
        )
        if record.owner != user.email:  # an admin's extension of a learner's session
            await journaling.record(
                connection,
                actor=user.email,
                role="admin",
                action="instance.extend",
                target_kind="instance",
                target=record.name,
                subject=record.owner,
                at=now,
                details={"by": format_duration(by), "expires_at": extended.expires_at},
            )
    return extended


async def extend_locked(
    connection: asyncpg.Connection,
    record: InstanceRecord,
    by: timedelta,
    *,
    catalog: Catalog,
    now: datetime,
    max_extensions: int,
) -> InstanceRecord:
    """Extend a row the caller locked (``FOR UPDATE``) in its transaction; also used by
    ``teaching`` to extend a whole class, one row lock at a time."""
    expires_at = plan_extension(
        record,
        by,
        now=now,
        max_extensions=max_extensions,
        max_lifetime=max_lifetime(record, catalog),
    )
    extended = await mark_extended(connection, record.name, expires_at)
    await add_to_outbox(
        connection,
        ExtendRequested(
            instance=record.name,
            owner=record.owner,
            occurred_at=now,
            expires_at=expires_at,
            extension=extended.extensions,
        ),
    )
    return extended
