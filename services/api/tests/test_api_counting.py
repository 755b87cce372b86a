"""The capacity count kept by the trigger, and what one launch costs in round trips.

The launch rules read the platform's and each template's active instances from
``active_changes`` (migration 0055) instead of counting rows; these tests hold the sum to
a real count through every kind of write, compaction and the migration's backfill, and
hold an ordinary launch to its five round trips (the api's CPU per launch is mostly its
round trips; docs/src/content/docs/benchmarks/api.md).
"""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import asyncpg
from alembic import command
from services.api.tests.apis import api_settings

from orchestra_api.launching import launch_or_wait
from orchestra_api.main import keep_session
from orchestra_api.metering import Metrics
from orchestra_api.records import Usage, compact_active_changes, fetch_usage
from orchestra_api.tickets import TicketRecord
from orchestra_devstack.pytest_plugin import Database
from orchestra_shared.catalogs import Catalog
from orchestra_shared.migrating import alembic_config, upgrade_database_async
from orchestra_shared.tables import ACTIVE_PHASES_SQL

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def add(connection: asyncpg.Connection, name: str, slug: str, phase: str) -> None:
    await connection.execute(
        """INSERT INTO instances (name, owner, template_slug, template_name, resolved_spec,
                                  requested_duration_seconds, expires_at, phase)
           VALUES ($1, 'ada@example.org', $2, $2, $3::jsonb, 3600, $4, $5)""",
        name,
        slug,
        json.dumps({"image": "registry.example.org/x:1"}),
        NOW + timedelta(hours=1),
        phase,
    )


async def counted(connection: asyncpg.Connection) -> tuple[int, int]:
    """(all, of alpha), as the launch rules read them."""
    usage = await fetch_usage(connection, "nobody@example.org", "alpha", NOW)
    return usage.total, usage.of_template


async def real(connection: asyncpg.Connection) -> tuple[int, int]:
    """(all, of alpha), counted row by row."""
    row = await connection.fetchrow(
        f"""SELECT count(*) AS total, count(*) FILTER (WHERE template_slug = 'alpha') AS alpha
            FROM instances WHERE {ACTIVE_PHASES_SQL}"""
    )
    return row["total"], row["alpha"]


async def test_the_count_follows_inserts_phase_changes_deletions_and_compaction(
    migrated: Database,
) -> None:
    connection = await asyncpg.connect(migrated.dsn)
    try:
        for i, (slug, phase) in enumerate(
            [("alpha", "Requested"), ("alpha", "Ready"), ("beta", "Pending"), ("alpha", "Failed")]
        ):
            await add(connection, f"i{i}", slug, phase)
        assert await counted(connection) == await real(connection) == (3, 2)
        steps = [
            "UPDATE instances SET phase = 'Provisioning' WHERE name = 'i0'",  # active to active
            "UPDATE instances SET phase = 'Terminated' WHERE name = 'i1'",  # leaves
            "UPDATE instances SET phase = 'Requested' WHERE name = 'i3'",  # comes back
            "UPDATE instances SET template_slug = 'beta' WHERE name = 'i0'",  # moves template
            "UPDATE instances SET message = 'x' WHERE name = 'i2'",  # not counted at all
            "DELETE FROM instances WHERE name = 'i2'",  # an active row deleted
            "DELETE FROM instances WHERE name = 'i1'",  # an ended row deleted
        ]
        for step in steps:
            await connection.execute(step)
            assert await counted(connection) == await real(connection), step
        async with connection.transaction():  # a transaction sees its own changes
            await add(connection, "i9", "alpha", "Requested")
            assert await counted(connection) == await real(connection) == (3, 2)

        rows_before = await connection.fetchval("SELECT count(*) FROM active_changes")
        assert await compact_active_changes(connection) == rows_before
        assert await counted(connection) == await real(connection)
        # One row per template with active instances is left, and compacting again keeps it.
        assert await connection.fetchval("SELECT count(*) FROM active_changes") == 2
        assert await compact_active_changes(connection) == 2
        assert await counted(connection) == await real(connection)
    finally:
        await connection.close()


async def test_compactions_from_several_replicas_at_once_keep_the_count(
    migrated: Database,
) -> None:
    pool = await asyncpg.create_pool(migrated.dsn, min_size=4, max_size=4)
    assert pool is not None
    try:
        async with pool.acquire() as connection:
            for i in range(40):
                await add(connection, f"c{i}", "alpha" if i % 2 else "beta", "Requested")
            await connection.execute("UPDATE instances SET phase = 'Ready' WHERE name < 'c2'")
            expected = await real(connection)
        await asyncio.gather(*(compact_active_changes(pool) for _ in range(8)))
        await compact_active_changes(pool)  # whatever a skipped round left
        async with pool.acquire() as connection:
            assert await counted(connection) == expected
            assert await connection.fetchval("SELECT count(*) FROM active_changes") == 2
    finally:
        await pool.close()


async def test_the_migration_counts_the_instances_that_were_already_there(
    database: Database,
) -> None:
    config = alembic_config(database.dsn)
    await asyncio.to_thread(command.upgrade, config, "0050_warm_pools")
    connection = await asyncpg.connect(database.dsn)
    try:
        for i, phase in enumerate(["Ready", "Pending", "Terminated"]):
            await add(connection, f"old{i}", "alpha", phase)
        await upgrade_database_async(database.dsn)
        assert await counted(connection) == await real(connection) == (2, 2)
    finally:
        await connection.close()


async def test_an_ordinary_launch_is_five_round_trips(migrated: Database, catalog: Catalog) -> None:
    """BEGIN, the learner's lock, one read of all it is decided on, one write, COMMIT."""
    statements: list[str] = []

    async def logged(connection: asyncpg.Connection) -> None:
        connection.add_query_logger(lambda record: statements.append(record.query))

    pool = await asyncpg.create_pool(
        migrated.dsn, min_size=1, max_size=1, init=logged, reset=keep_session
    )
    assert pool is not None
    try:
        settings = api_settings(database_dsn=migrated.dsn)
        for email in ("ada@example.org", "bob@example.org"):
            statements.clear()
            record, created = await launch_or_wait(
                pool,
                catalog,
                slug="alpha",
                owner=email,
                duration_text="1h",
                now=datetime.now(UTC),
                idempotency_key=None,
                settings=settings,
                metrics=Metrics(),
            )
            assert created
            assert not isinstance(record, TicketRecord)
            assert len(statements) == 5, statements
        row = await pool.fetchrow("SELECT count(*) AS events FROM outbox")
        assert row["events"] == 2
        async with pool.acquire() as connection:
            usage = await fetch_usage(connection, "ada@example.org", "alpha", NOW)
        assert usage == Usage(mine=1, mine_of_template=1, total=2, of_template=2)
    finally:
        await pool.close()
