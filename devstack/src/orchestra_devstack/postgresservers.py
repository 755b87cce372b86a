"""A throwaway Postgres on loopback, for `make dev` and the test fixtures.

Uses Debian's `postgresql` binaries (the Makefile installs them): `initdb` into a
temporary directory with trust auth, then `postgres` itself in the foreground
under a `ManagedProcess`, so it can be stopped, killed (a crash: the next start
runs crash recovery) and restarted on the same port and data directory.

`initdb` and `postgres` refuse to run as root, so as root both run as the
`postgres` user. Popen's `user=` is used instead of `runuser`, because runuser
stays in between as a parent that turns our signals into its own SIGTERM (a
"smart" shutdown that waits for clients to leave).

`fsync=off` makes start-up and writes fast; it only risks data on an operating
system crash, never on a killed server, which is what the fault tests do.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import asyncpg

from orchestra_devstack.backends import Backend, require_process_backend
from orchestra_devstack.probes import LOOPBACK, HealthCheck, free_port
from orchestra_devstack.processes import (
    START_TIMEOUT,
    ManagedProcess,
    ProcessError,
    read_log_tail,
)
from orchestra_devstack.servers import SupervisedServer

DEBIAN_POSTGRES_ROOT = Path("/usr/lib/postgresql")
SUPERUSER = "postgres"


class PostgresNotInstalledError(RuntimeError):
    """No Postgres server binaries were found."""


def find_postgres_bin_dir(*, root: Path = DEBIAN_POSTGRES_ROOT) -> Path:
    """Directory holding `initdb` and `postgres`: Debian's newest version, else PATH."""
    versions = [path for path in root.glob("*/bin") if (path / "initdb").is_file()]
    if versions:

        def version(path: Path) -> tuple[int, ...]:
            return tuple(int(part) for part in re.findall(r"\d+", path.parent.name))

        return max(versions, key=version)
    initdb = shutil.which("initdb")
    if initdb and (Path(initdb).parent / "postgres").is_file():
        return Path(initdb).parent
    raise PostgresNotInstalledError(
        "Postgres server binaries (initdb, postgres) not found in "
        f"{root}/*/bin nor on PATH; run `apt-get install -y postgresql`"
    )


def _server_user() -> str | None:
    """The user to run Postgres as: `postgres` when we are root, else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError:
        raise PostgresNotInstalledError(
            "running as root but there is no 'postgres' user to run the server as; "
            "run `apt-get install -y postgresql`"
        ) from None
    return SUPERUSER


def _accepts_queries(dsn: str) -> HealthCheck:
    # A TCP probe is not enough: during start-up and crash recovery Postgres
    # accepts connections only to refuse them with "the database system is
    # starting up".
    async def probe() -> bool:
        try:
            connection = await asyncpg.connect(dsn, timeout=1.0)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return False
        try:
            await connection.fetchval("SELECT 1")
        finally:
            await connection.close()
        return True

    return probe


class PostgresServer(SupervisedServer):
    """A running (or stopped) Postgres; see `start_postgres`."""

    def __init__(
        self,
        process: ManagedProcess,
        *,
        port: int,
        database: str,
        data_dir: Path,
        owned_dir: Path | None,
    ) -> None:
        super().__init__(process, owned_dir=owned_dir)
        self.port = port
        self.database = database
        self.data_dir = data_dir

    def dsn_for(self, database: str) -> str:
        """DSN of another database on this server (e.g. one made per test)."""
        return f"postgresql://{SUPERUSER}@{LOOPBACK}:{self.port}/{database}"

    @property
    def dsn(self) -> str:
        """DSN of the application database, e.g. `postgresql://postgres@127.0.0.1:PORT/orchestra`."""
        return self.dsn_for(self.database)

    @property
    def admin_dsn(self) -> str:
        """DSN of the maintenance database `postgres`, for CREATE/DROP DATABASE."""
        return self.dsn_for("postgres")


async def _initdb(
    bin_dir: Path, data_dir: Path, *, user: str | None, log_path: Path, timeout: float
) -> None:
    argv = [
        str(bin_dir / "initdb"),
        "--pgdata", str(data_dir),
        "--username", SUPERUSER,
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",  # no dependency on the machine's locales
        "--no-sync",
    ]  # fmt: skip
    with log_path.open("ab") as log:
        try:
            result = await asyncio.to_thread(
                subprocess.run,
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                user=user,
                group=user,
                extra_groups=[] if user else None,
                timeout=timeout,  # kills initdb when it expires
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ProcessError(
                f"initdb did not finish within {timeout} s", log_tail=read_log_tail(log_path)
            ) from None
    if result.returncode != 0:
        raise ProcessError(
            f"initdb exited with code {result.returncode}", log_tail=read_log_tail(log_path)
        )


async def start_postgres(
    *,
    workdir: Path | None = None,
    port: int | None = None,
    database: str = "orchestra",
    bin_dir: Path | None = None,
    name: str = "postgres",
    backend: Backend = "process",
    start_timeout: float = START_TIMEOUT,
) -> PostgresServer:
    """Initialise, start and wait for a Postgres on 127.0.0.1; create `database`.

    `workdir` holds the data directory (`data/`, initialised unless it exists),
    the unix socket and the log (`postgres.log`); without it a temporary
    directory is made and removed by `close`. As root, `workdir` must be
    traversable by the `postgres` user (pytest's `tmp_path` is not): the
    default temporary directory is. Raises `PostgresNotInstalledError` without the
    binaries and `ProcessError` (with the log tail) when start-up fails.
    """
    require_process_backend(backend, component="Postgres")
    bin_dir = bin_dir or find_postgres_bin_dir()
    user = _server_user()
    owned_dir = None
    if workdir is None:
        workdir = owned_dir = Path(tempfile.mkdtemp(prefix="orchestra-pg-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if user is not None:
        account = pwd.getpwnam(user)
        os.chown(workdir, account.pw_uid, account.pw_gid)
    data_dir = workdir / "data"
    log_path = workdir / "postgres.log"
    port = port or free_port()
    server: PostgresServer | None = None
    try:
        if not (data_dir / "PG_VERSION").exists():
            await _initdb(bin_dir, data_dir, user=user, log_path=log_path, timeout=start_timeout)
        argv = [
            str(bin_dir / "postgres"),
            "-D", str(data_dir),
            "-p", str(port),
            "-c", f"listen_addresses={LOOPBACK}",
            "-c", f"unix_socket_directories={workdir}",
            "-c", "fsync=off",
            "-c", "full_page_writes=off",
        ]  # fmt: skip
        process = ManagedProcess(
            name,
            argv,
            log_path=log_path,
            cwd=workdir,
            health=_accepts_queries(f"postgresql://{SUPERUSER}@{LOOPBACK}:{port}/postgres"),
            start_timeout=start_timeout,
            stop_signal=signal.SIGINT,  # "fast" shutdown; SIGTERM would wait for clients
            user=user,
        )
        server = PostgresServer(
            process, port=port, database=database, data_dir=data_dir, owned_dir=owned_dir
        )
        await process.start()
        await create_database(server.admin_dsn, database, exist_ok=True)
    except BaseException:
        if server is not None:
            await server.close()
        elif owned_dir is not None:
            shutil.rmtree(owned_dir, ignore_errors=True)
        raise
    return server


def _quoted(name: str) -> str:
    # Identifiers cannot be query parameters; allow only names that need no escaping.
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name):
        raise ValueError(f"unsupported database name: {name!r}")
    return f'"{name}"'


async def create_database(
    admin_dsn: str, name: str, *, exist_ok: bool = False, template: str | None = None
) -> None:
    """CREATE DATABASE `name` through the maintenance connection `admin_dsn`.

    With `template`, a copy of that database (nobody may be connected to it meanwhile).
    """
    quoted = _quoted(name)
    copied = f" TEMPLATE {_quoted(template)}" if template else ""
    connection = await asyncpg.connect(admin_dsn)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists and exist_ok:
            return
        await connection.execute(f"CREATE DATABASE {quoted}{copied}")
    finally:
        await connection.close()


async def drop_database(admin_dsn: str, name: str) -> None:
    """DROP DATABASE `name`, disconnecting whoever is still connected to it."""
    quoted = _quoted(name)
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    finally:
        await connection.close()
