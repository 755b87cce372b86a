"""The learner's exported work: asking for an archive, listing, downloading, and their end.

"Download my work" is ``request_export``: the owner of a running instance queues
``export requested`` in the outbox and the operator saves the work folder into the
archive store (docs/src/content/docs/decisions/0060); the operator also saves it before every deletion. The
store is the record of archives (``orchestra_shared.archiving``): ``my_archives`` lists
the caller's own key prefix and ``open_archive`` builds the key from the caller's own
owner hash, so no request can name another learner's archive. ``reap_archives`` is the
archives' retention rule. Called by ``routes.archives`` and ``main``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from orchestra_api.identities import Identity
from orchestra_api.problems import ExportsOff, Forbidden, InstanceEnded, NotFound
from orchestra_api.records import add_to_outbox, fetch_instance
from orchestra_shared.archiving import ArchiveInfo, ArchiveMissing, ArchiveStore, key_of_id
from orchestra_shared.events import ExportRequested
from orchestra_shared.owners import owner_hash
from orchestra_shared.reaping import DELETED


@dataclass(frozen=True)
class Archive:
    info: ArchiveInfo
    expires_at: datetime


def _store(store: ArchiveStore | None) -> ArchiveStore:
    if store is None:
        raise ExportsOff("this platform keeps no copy of workshops' files")
    return store


async def request_export(
    pool: asyncpg.Pool, store: ArchiveStore | None, *, name: str, user: Identity, now: datetime
) -> datetime:
    """Ask the operator for an archive of ``name``'s work folder now; returns the moment."""
    _store(store)
    async with pool.acquire() as connection, connection.transaction():
        record = await fetch_instance(connection, name)
        if record is None or not user.may_act_on(record.owner):
            raise NotFound(f"no instance named {name!r}")
        if record.owner != user.email:
            raise Forbidden("only the learner who launched a workshop may export its files")
        if record.terminate_requested_at is not None or record.phase != "Ready":
            raise InstanceEnded(f"{name} is not running: its files are saved when it ends")
        await add_to_outbox(
            connection,
            ExportRequested(
                instance=name, owner=record.owner, occurred_at=now, requested_by=user.email
            ),
        )
    return now


async def my_archives(
    store: ArchiveStore | None, *, user: Identity, keep_for: timedelta, instance: str | None
) -> list[Archive]:
    """The caller's own archives, newest first, with when retention deletes each."""
    prefix = f"{owner_hash(user.email)}/" + (f"{instance}/" if instance else "")
    found = await _store(store).list(prefix)
    return sorted(
        (Archive(info, info.created_at + keep_for) for info in found),
        key=lambda a: a.info.created_at,
        reverse=True,
    )


async def open_archive(
    store: ArchiveStore | None, *, user: Identity, archive_id: str
) -> tuple[str, AsyncIterator[bytes]]:
    """The file name and bytes of one of the caller's archives; 404 for anything else."""
    key = key_of_id(owner_hash(user.email), archive_id)
    if key is None:
        raise NotFound(f"no archive named {archive_id!r}")
    try:
        chunks = await _store(store).open(key)
    except ArchiveMissing:
        raise NotFound(f"no archive named {archive_id!r}") from None
    return f"{archive_id.replace('.', '-')}.tar.gz", chunks


async def reap_archives(store: ArchiveStore, *, keep_for: timedelta, now: datetime) -> int:
    """Delete every archive made more than ``keep_for`` ago; idempotent (a second replica's
    or a second round's delete of the same key finds nothing and counts nothing)."""
    deleted = 0
    for info in await store.list():
        if info.created_at + keep_for <= now and await store.delete(info.key):
            deleted += 1
            DELETED.labels("archives").inc()
    return deleted
