"""Reading instances as the caller may see them: ownership first, then the data.

Another learner's instance is ``NotFound`` exactly like a missing one, so
names cannot be probed. Admins see everything. Called by the read routes of
``routes.instances``, ``routes.history`` and ``routes.admin``.
"""

from datetime import datetime

import asyncpg

from orchestra_api.identities import Identity
from orchestra_api.pages import decode_cursor, encode_cursor
from orchestra_api.problems import NotFound
from orchestra_api.records import (
    InstanceRecord,
    TransitionRecord,
    fetch_active_for_owner,
    fetch_history,
    fetch_instance,
)
from orchestra_api.reports import InstanceFilter, TemplateStats, fetch_page, fetch_stats
from orchestra_shared.owners import normalise_owner


async def visible_instance(pool: asyncpg.Pool, user: Identity, name: str) -> InstanceRecord:
    record = await fetch_instance(pool, name)
    if record is None or not user.may_act_on(record.owner):
        raise NotFound(f"no instance named {name!r}")
    return record


async def my_instances(pool: asyncpg.Pool, user: Identity) -> list[InstanceRecord]:
    """The caller's instances that have not ended (Failed ones included, with their reason)."""
    return await fetch_active_for_owner(pool, user.email)


async def instance_history(
    pool: asyncpg.Pool, user: Identity, name: str
) -> tuple[InstanceRecord, list[TransitionRecord]]:
    record = await visible_instance(pool, user, name)
    return record, await fetch_history(pool, record.name)


async def my_ended_instances(
    pool: asyncpg.Pool, user: Identity, *, cursor: str | None, limit: int
) -> tuple[list[InstanceRecord], str | None]:
    where = InstanceFilter(owner=user.email, phase="Terminated")
    records, after = await fetch_page(pool, where, after=decode_cursor(cursor), limit=limit)
    return records, encode_cursor(after) if after else None


async def all_instances(
    pool: asyncpg.Pool,
    *,
    owner: str | None,
    template: str | None,
    phase: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[InstanceRecord], str | None]:
    where = InstanceFilter(
        owner=normalise_owner(owner) if owner else None, template_slug=template, phase=phase
    )
    records, after = await fetch_page(pool, where, after=decode_cursor(cursor), limit=limit)
    return records, encode_cursor(after) if after else None


async def launch_stats(pool: asyncpg.Pool, *, since: datetime | None) -> list[TemplateStats]:
    return await fetch_stats(pool, since=since)
