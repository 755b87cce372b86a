"""Bring a database up to the current schema.

Called by ``orchestra-api migrate`` (a Helm pre-upgrade hook in production),
by the dev launcher and by test fixtures. The migrations live in this package
because the schema is a contract shared by the services, not owned by one.
"""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

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
