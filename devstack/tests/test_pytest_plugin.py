"""The fixtures other suites use: own NATS per test, shared Postgres, fresh database."""

from __future__ import annotations

import asyncpg
import nats
import pytest

from orchestra_devstack.natsservers import NatsServer
from orchestra_devstack.postgresservers import PostgresServer
from orchestra_devstack.pytest_plugin import Database

seen_nats_ports: set[int] = set()


@pytest.mark.parametrize("run", [1, 2])
async def test_each_test_gets_its_own_nats(nats_server: NatsServer, run: int) -> None:
    assert nats_server.port not in seen_nats_ports
    seen_nats_ports.add(nats_server.port)
    client = await nats.connect(nats_server.url)
    try:
        streams = await client.jetstream().streams_info()
        assert streams == []  # nothing left over from another test
        await client.jetstream().add_stream(name="ONLY_HERE", subjects=["here.>"])
    finally:
        await client.close()


@pytest.mark.parametrize("run", [1, 2])
async def test_each_test_gets_a_fresh_empty_database(
    database: Database, postgres_server: PostgresServer, run: int
) -> None:
    connection = await asyncpg.connect(database.dsn)
    try:
        assert await connection.fetchval("SELECT current_database()") == database.name
        tables = await connection.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        )
        assert tables == 0
        await connection.execute("CREATE TABLE only_here (id int)")
    finally:
        await connection.close()
    admin = await asyncpg.connect(postgres_server.admin_dsn)
    try:
        test_databases = await admin.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE 'test\\_%'"
        )
    finally:
        await admin.close()
    # Databases of earlier tests were dropped: only this test's is left.
    assert [row["datname"] for row in test_databases] == [database.name]


async def test_the_session_server_has_the_application_database(
    postgres_server: PostgresServer,
) -> None:
    connection = await asyncpg.connect(postgres_server.dsn)
    try:
        assert await connection.fetchval("SELECT current_database()") == "orchestra"
    finally:
        await connection.close()
