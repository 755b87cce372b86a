"""Health probes and port allocation for processes started on loopback.

The supervisor (`processes`) polls one of these probes until a freshly started
process is ready; the NATS and Postgres starters, the stacks and the tests pick
their ports with `free_port` (handed out by `ports`, each once). A probe is an
async callable answering "ready yet?" and never raising: a refused connection or
a bad status is simply "not yet".
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from orchestra_devstack.ports import PORTS

HealthCheck = Callable[[], Awaitable[bool]]
"""A probe: returns True once the process is ready, False while it is not."""

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port free on ``host`` now that no other caller is handed before it is bound:
    this process's own, below the kernel's picks (``ports``)."""
    return PORTS.take(host)


def tcp_accepts(host: str, port: int, *, timeout: float = 0.5) -> HealthCheck:
    """A probe that passes once `host:port` accepts a TCP connection."""

    async def probe() -> bool:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except (OSError, TimeoutError):
            return False
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True

    return probe


def http_ok(url: str, *, timeout: float = 1.0) -> HealthCheck:
    """A probe that passes once a GET of `url` answers 200."""

    async def probe() -> bool:
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        try:
            async with (
                aiohttp.ClientSession(timeout=client_timeout) as session,
                session.get(url) as response,
            ):
                return response.status == 200
        except (aiohttp.ClientError, OSError, TimeoutError):
            return False

    return probe


def file_exists(path: Path) -> HealthCheck:
    """A probe that passes once `path` exists (e.g. a pid or ports file)."""

    async def probe() -> bool:
        return await asyncio.to_thread(path.exists)

    return probe
