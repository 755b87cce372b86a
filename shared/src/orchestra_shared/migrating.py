"""Bring a database up to the current schema, and wait for it to be there.

``upgrade_database`` is called by ``orchestra-api migrate`` (the chart's
pre-install/pre-upgrade hook Job, docker compose's ``migrate`` service), by the
dev launcher and by test fixtures. ``wait_for_schema`` is how every service
that uses Postgres (api, sync, expiry, gate) starts: it waits until alembic's
version table holds the head this build's migrations end at, instead of racing
the migration and failing on a missing table. The migrations live in this
package because the schema is a contract shared by the services, not owned by
one.
"""

import asyncio
import contextlib
import logging
from collections.abc import Collection
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from orchestra_shared.retrying import Backoff, raise_if_cancelled

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(dsn: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", async_url(dsn))
    return config


def async_url(dsn: str) -> str:
    """SQLAlchemy wants the driver named in the URL; services use plain ``postgresql://``."""
    scheme, _, rest = dsn.partition("://")
    if scheme in {"postgres", "postgresql"}:
        return f"postgresql+asyncpg://{rest}"
    return dsn


def upgrade_database(dsn: str, revision: str = "heads") -> None:
    """Run every pending migration (blocking; alembic runs its own event loop)."""
    command.upgrade(alembic_config(dsn), revision)


async def upgrade_database_async(dsn: str, revision: str = "heads") -> None:
    """The same from async code: alembic's env starts a loop, so it runs in a thread."""
    await asyncio.to_thread(upgrade_database, dsn, revision)


def migration_scripts() -> ScriptDirectory:
    """This build's migrations (reads the files; needs no database)."""
    return ScriptDirectory(str(MIGRATIONS))


def schema_is_current(found: Collection[str], scripts: ScriptDirectory) -> bool:
    """Whether a database whose ``alembic_version`` holds ``found`` has this build's schema.

    It has when each of our heads is one of ``found`` or an ancestor of one. A revision
    our scripts do not know comes from a newer release, migrated by its pre-upgrade hook
    while this older pod still runs (a rolling upgrade): migrations only add what old
    code can ignore, so that counts as current too. Empty (never migrated) does not.
    """
    if not found:
        return False
    reached: set[str] = set()
    for revision in found:
        try:
            script = scripts.get_revision(revision)
        except CommandError:
            return True  # newer than this build
        if script is None:
            continue
        reached |= {rev.revision for rev in scripts.iterate_revisions(script.revision, "base")}
    return set(scripts.get_heads()) <= reached


async def database_revisions(dsn: str, *, timeout: float = 5.0) -> frozenset[str] | None:
    """The revisions in ``alembic_version``: empty before the first migration, ``None``
    while the database does not answer."""
    try:
        connection = await asyncpg.connect(dsn, timeout=timeout)
    except (OSError, TimeoutError, asyncpg.PostgresError):
        return None
    try:
        rows = await connection.fetch("SELECT version_num FROM alembic_version")
    except asyncpg.UndefinedTableError:
        return frozenset()
    except (OSError, TimeoutError, asyncpg.PostgresError):
        return None
    finally:
        await connection.close()
    return frozenset(row["version_num"] for row in rows)


async def wait_for_schema(
    dsn: str,
    *,
    stop: asyncio.Event | None = None,
    backoff: Backoff | None = None,
    logger: logging.Logger = log,
) -> bool:
    """Wait until the database holds this build's schema; ``False`` if ``stop`` came first.

    Logs what it waits for at each look (the heads it needs, what the database has), so
    a pod stuck here says whether the migration Job has not run or Postgres is away.
    """
    scripts = migration_scripts()
    heads = sorted(scripts.get_heads())
    backoff = backoff or Backoff(0.2, 5.0)
    while stop is None or not stop.is_set():
        found = await database_revisions(dsn)
        if found is not None and schema_is_current(found, scripts):
            return True
        logger.info(
            "waiting for the database schema",
            extra={
                "needed": heads,
                "found": "database not answering" if found is None else sorted(found),
            },
        )
        raise_if_cancelled()
        if stop is None:
            await backoff.wait()
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff.next_delay())
    return False
