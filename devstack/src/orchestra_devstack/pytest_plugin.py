"""Pytest fixtures giving tests real NATS and Postgres servers on loopback.

Test suites load them with `pytest_plugins = ["orchestra_devstack.pytest_plugin"]`
in their top-level conftest:

- `nats_server`: a NATS server with JetStream of the test's own (store under
  `tmp_path`), so a test may stop, kill or restart it; about 50 ms to start.
  Authorization is on, as everywhere: `nats_server.url` connects as the admin,
  `nats_server.credentials("sync")` gives a service's own user (docs/src/content/docs/decisions/0054).
- `postgres_server`: one Postgres for the whole session (initdb takes about a
  second). Tests must not stop it; a test that needs to stop or crash Postgres
  starts its own with `start_postgres`.
- `database`: a fresh, empty database on that server for one test, created
  with CREATE DATABASE under a unique name and dropped (connections forced
  out) afterwards; a few tens of milliseconds.
- `migrated`: a fresh database that has the platform's schema (alembic heads), and
  `dsn`, its DSN: a copy of a database migrated once per session (CREATE DATABASE
  ... TEMPLATE takes tens of milliseconds; running the migrations, hundreds);
  `pool`: an asyncpg pool on it, closed after the test. A test of the migrations
  themselves starts from `database`.

The server objects are usable from any event loop (see `processes`), so the
session-scoped server is shared safely with function-scoped test loops.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest_asyncio

from orchestra_devstack.natsservers import NatsServer, start_nats
from orchestra_devstack.postgresservers import (
    PostgresServer,
    create_database,
    drop_database,
    start_postgres,
)
from orchestra_shared.migrating import upgrade_database_async


@dataclass(frozen=True)
class Database:
    """A per-test database: its `name`, its `dsn` and the `server` holding it."""

    name: str
    dsn: str
    server: PostgresServer


@pytest_asyncio.fixture
async def nats_server(tmp_path: Path) -> AsyncIterator[NatsServer]:
    """A NATS server with JetStream for this test only."""
    server = await start_nats(workdir=tmp_path / "nats")
    try:
        yield server
    finally:
        await server.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def postgres_server() -> AsyncIterator[PostgresServer]:
    """One Postgres for the session; its `dsn` names the `orchestra` database."""
    server = await start_postgres()
    try:
        yield server
    finally:
        await server.close()


@pytest_asyncio.fixture
async def database(postgres_server: PostgresServer) -> AsyncIterator[Database]:
    """A fresh empty database for this test, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    await create_database(postgres_server.admin_dsn, name)
    try:
        yield Database(name=name, dsn=postgres_server.dsn_for(name), server=postgres_server)
    finally:
        await drop_database(postgres_server.admin_dsn, name)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def schema_template(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """The name of a database migrated to the heads, for `migrated` to copy."""
    name = f"schema_{uuid.uuid4().hex[:16]}"
    await create_database(postgres_server.admin_dsn, name)
    try:
        await upgrade_database_async(postgres_server.dsn_for(name))
        yield name
    finally:
        await drop_database(postgres_server.admin_dsn, name)


@pytest_asyncio.fixture
async def migrated(
    postgres_server: PostgresServer, schema_template: str
) -> AsyncIterator[Database]:
    """A fresh database for this test with every migration applied, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    await create_database(postgres_server.admin_dsn, name, template=schema_template)
    try:
        yield Database(name=name, dsn=postgres_server.dsn_for(name), server=postgres_server)
    finally:
        await drop_database(postgres_server.admin_dsn, name)


@pytest_asyncio.fixture
async def dsn(migrated: Database) -> str:
    """The DSN of `migrated`."""
    return migrated.dsn


@pytest_asyncio.fixture
async def pool(dsn: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
    try:
        yield pool
    finally:
        await pool.close()
