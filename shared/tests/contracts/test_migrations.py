"""The alembic migrations create exactly the tables declared in ``orchestra_shared.tables``."""

from __future__ import annotations

import asyncpg
from alembic.script import ScriptDirectory

from orchestra_devstack.pytest_plugin import Database
from orchestra_shared.migrating import alembic_config, upgrade_database_async
from orchestra_shared.tables import metadata


async def test_migrations_create_the_declared_tables_and_columns(database: Database) -> None:
    await upgrade_database_async(database.dsn)
    connection = await asyncpg.connect(database.dsn)
    try:
        rows = await connection.fetch(
            """SELECT table_name, column_name, is_nullable FROM information_schema.columns
               WHERE table_schema = 'public' AND table_name <> 'alembic_version'"""
        )
        constraints = await connection.fetch(
            "SELECT conname FROM pg_constraint WHERE contype IN ('u', 'p', 'f')"
        )
    finally:
        await connection.close()
    in_database = {(r["table_name"], r["column_name"], r["is_nullable"] == "YES") for r in rows}
    declared = {
        (table.name, column.name, bool(column.nullable))
        for table in metadata.tables.values()
        for column in table.columns
    }
    assert in_database == declared
    names = {r["conname"] for r in constraints}
    assert {"instance_history_transition", "instances_owner_idempotency_key"} <= names


async def test_migrating_twice_changes_nothing(database: Database) -> None:
    await upgrade_database_async(database.dsn)
    await upgrade_database_async(database.dsn)
    connection = await asyncpg.connect(database.dsn)
    try:
        versions = await connection.fetch("SELECT version_num FROM alembic_version")
    finally:
        await connection.close()
    heads = ScriptDirectory.from_config(alembic_config(database.dsn)).get_heads()
    assert {row["version_num"] for row in versions} == set(heads)


def test_migrations_have_one_head() -> None:
    """Parallel work may branch the history, but main keeps it one line (merge revisions)."""
    heads = ScriptDirectory.from_config(alembic_config("postgresql://unused/db")).get_heads()
    assert len(heads) == 1, f"several heads {heads}: add a merge revision"
