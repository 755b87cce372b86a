"""Postgres on loopback: usable with asyncpg, durable across restarts and crashes."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path

import asyncpg
import pytest

from orchestra_devstack.postgresservers import (
    PostgresNotInstalledError,
    PostgresServer,
    find_postgres_bin_dir,
    start_postgres,
)
from orchestra_devstack.probes import tcp_accepts
from orchestra_devstack.processtrees import descendants

StillAlive = Callable[[Iterable[int]], list[int]]


@pytest.fixture
async def own_postgres() -> AsyncIterator[PostgresServer]:
    """A Postgres of this test's own, since these tests stop and crash it."""
    server = await start_postgres()
    try:
        yield server
    finally:
        await server.close()


async def fetch_notes(dsn: str) -> list[str]:
    connection = await asyncpg.connect(dsn)
    try:
        return [row["body"] for row in await connection.fetch("SELECT body FROM notes ORDER BY id")]
    finally:
        await connection.close()


async def execute(dsn: str, sql: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def test_the_application_database_exists_and_is_usable(
    own_postgres: PostgresServer,
) -> None:
    assert own_postgres.dsn == f"postgresql://postgres@127.0.0.1:{own_postgres.port}/orchestra"
    connection = await asyncpg.connect(own_postgres.dsn)
    try:
        assert await connection.fetchval("SELECT current_database()") == "orchestra"
        assert await connection.fetchval("SELECT current_user") == "postgres"
    finally:
        await connection.close()


async def test_a_graceful_restart_keeps_data(own_postgres: PostgresServer) -> None:
    await execute(own_postgres.dsn, "CREATE TABLE notes (id serial, body text)")
    await execute(own_postgres.dsn, "INSERT INTO notes (body) VALUES ('kept')")

    await own_postgres.restart()

    assert await fetch_notes(own_postgres.dsn) == ["kept"]


async def test_stop_does_not_wait_for_connected_clients(own_postgres: PostgresServer) -> None:
    idle_client = await asyncpg.connect(own_postgres.dsn)
    try:
        await own_postgres.stop()
        # Exited by itself: had it waited for the client, the grace would have run out
        # and SIGKILL ended it instead.
        assert own_postgres.process.returncode == 0
    finally:
        idle_client.terminate()


async def test_kill_is_a_crash_that_recovers_committed_data(
    own_postgres: PostgresServer, still_alive: StillAlive
) -> None:
    await execute(own_postgres.dsn, "CREATE TABLE notes (id serial, body text)")
    await execute(own_postgres.dsn, "INSERT INTO notes (body) VALUES ('committed')")
    idle_client = await asyncpg.connect(own_postgres.dsn)  # a backend to be killed too
    pid = own_postgres.pid
    assert pid is not None
    server_pids = [pid, *descendants(pid)]
    assert len(server_pids) > 3  # postmaster, its helpers and the backend

    await own_postgres.kill()

    idle_client.terminate()
    assert still_alive(server_pids) == []
    assert not await tcp_accepts("127.0.0.1", own_postgres.port)()
    await own_postgres.start()
    assert await fetch_notes(own_postgres.dsn) == ["committed"]
    assert "not properly shut down" in own_postgres.log_tail(lines=200)


async def test_close_leaves_nothing_running_and_removes_the_data(
    still_alive: StillAlive,
) -> None:
    server = await start_postgres(database="other")
    pid = server.pid
    assert pid is not None
    assert server.dsn.endswith("/other")
    workdir = server.data_dir.parent
    server_pids = [pid, *descendants(pid)]

    await server.close()

    assert still_alive(server_pids) == []
    assert not workdir.exists()


async def test_an_existing_data_dir_is_reused() -> None:
    # As root the workdir must be reachable by the postgres user; /tmp is, pytest's is not.
    workdir = Path(tempfile.gettempdir()) / f"orchestra-pg-{os.getpid()}-{time.time_ns()}"
    try:
        async with await start_postgres(workdir=workdir) as first:
            await execute(first.dsn, "CREATE TABLE notes (id serial, body text)")
            await execute(first.dsn, "INSERT INTO notes (body) VALUES ('from the first run')")
        async with await start_postgres(workdir=workdir) as second:
            assert await fetch_notes(second.dsn) == ["from the first run"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_missing_binaries_say_how_to_install_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PostgresNotInstalledError, match="apt-get install -y postgresql"):
        find_postgres_bin_dir(root=tmp_path)


def test_debian_binaries_are_found() -> None:
    bin_dir = find_postgres_bin_dir()
    assert (bin_dir / "initdb").is_file()
    assert (bin_dir / "postgres").is_file()
