"""Services wait for the schema they were built with instead of racing the migration.

Against a real Postgres: a service started before the migration Job (or docker
compose's ``migrate``) has run keeps waiting while the database is empty or at an
older revision, and goes on as soon as the head is there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from orchestra_devstack.pytest_plugin import Database
from orchestra_shared.migrating import (
    migration_scripts,
    schema_is_current,
    upgrade_database_async,
    wait_for_schema,
)
from orchestra_shared.retrying import Backoff

WAITING = "waiting for the database schema"


class Looks(logging.Handler):
    """What the waiter found at each look, as it logs it; ``seen(found)`` waits for one."""

    def __init__(self) -> None:
        super().__init__()
        self.events: dict[str, asyncio.Event] = {}

    def _event(self, found: object) -> asyncio.Event:
        return self.events.setdefault(repr(found), asyncio.Event())

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == WAITING:
            self._event(getattr(record, "found", None)).set()

    async def seen(self, found: object) -> None:
        await asyncio.wait_for(self._event(found).wait(), timeout=30)


@pytest.fixture
def looks() -> Iterator[Looks]:
    handler, logger = Looks(), logging.getLogger("orchestra_shared.migrating")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_only_the_head_or_a_newer_revision_is_current() -> None:
    scripts = migration_scripts()
    (head,) = scripts.get_heads()
    older = scripts.get_revision(head).down_revision
    assert isinstance(older, str)
    assert schema_is_current({head}, scripts)
    assert not schema_is_current(set(), scripts)
    assert not schema_is_current({older}, scripts)
    assert not schema_is_current({"0001"}, scripts)  # the first revision
    # Migrated by a newer release's pre-upgrade hook while this pod still runs.
    assert schema_is_current({"9999_from_a_later_release"}, scripts)


async def test_a_service_waits_through_an_empty_and_an_old_schema_until_the_head(
    database: Database, looks: Looks
) -> None:
    scripts = migration_scripts()
    (head,) = scripts.get_heads()
    older = scripts.get_revision(head).down_revision
    assert isinstance(older, str)

    waiter = asyncio.create_task(wait_for_schema(database.dsn, backoff=Backoff(0.05, 0.1)))
    await looks.seen([])  # never migrated
    await upgrade_database_async(database.dsn, older)
    await looks.seen([older])
    assert not waiter.done()

    await upgrade_database_async(database.dsn)
    assert await asyncio.wait_for(waiter, timeout=30) is True


async def test_waiting_for_a_database_that_does_not_answer_ends_with_stop(looks: Looks) -> None:
    stop = asyncio.Event()
    # Port 1 on loopback: nothing listens there, the connection is refused at once.
    waiter = asyncio.create_task(wait_for_schema("postgresql://nobody@127.0.0.1:1/none", stop=stop))
    await looks.seen("database not answering")
    stop.set()
    assert await asyncio.wait_for(waiter, timeout=30) is False
