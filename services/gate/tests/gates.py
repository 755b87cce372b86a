"""A real gate on loopback for tests and the benchmark: in-process, on a free port.

``running_gate`` starts the gate's own app (``main.create_app``) over a real
Postgres pool in front of any upstream; ``browser`` (from the dev harness) is a
client that resolves ``*.localhost`` to loopback as Chromium and curl do, so
tests address workshops by host name and its cookie jar behaves as a browser's.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiohttp import web

from orchestra_devstack.probes import free_port
from orchestra_gate.activities import Activity, Tally
from orchestra_gate.config import GateSettings
from orchestra_gate.main import create_app, http_client
from orchestra_gate.routes import Gate
from orchestra_shared.passes import Pass, seal

TICKET_SECRET = "tests-only-ticket-secret-0123456789abcdef"
SESSION_SECRET = "tests-only-session-secret-0123456789abcdef"
NAMESPACE = "orchestra-u-0123456789abcdef"


def gate_settings(database_dsn: str, upstream: str, **overrides: Any) -> GateSettings:
    fields: dict[str, Any] = {
        "environment": "development",
        "base_domain": "localhost",
        "ticket_secret": TICKET_SECRET,
        "session_secret": SESSION_SECRET,
        "upstream": upstream,
        "open_url": "http://dashboard.localhost:1/api/v1/instances/{instance}/open",
        "cookie_secure": False,
        "database_dsn": database_dsn,
        "database_pool_size": 4,
        **overrides,
    }
    return GateSettings(**fields)


def ticket(
    instance: str,
    *,
    subject: str = "ada@example.org",
    seconds: int = 60,
    secret: str = TICKET_SECRET,
    **fields: Any,
) -> str:
    granted = Pass(
        purpose="ticket",
        instance=instance,
        subject=subject,
        namespace=NAMESPACE,
        expires_at=int(time.time()) + seconds,
        **fields,
    )
    return seal(granted, secret)


@dataclass
class RunningGate:
    port: int
    settings: GateSettings
    activity: Activity
    tally: Tally

    def url(self, instance: str, path: str = "/") -> str:
        return f"http://{instance}.localhost:{self.port}{path}"

    def open_url(self, instance: str, sealed: str) -> str:
        return self.url(instance, f"/_orchestra/open?ticket={sealed}")


@asynccontextmanager
async def running_gate(settings: GateSettings) -> AsyncIterator[RunningGate]:
    pool = await asyncpg.create_pool(settings.database_dsn, min_size=1, max_size=4)
    activity = Activity(retention=settings.activity_retention)
    tally = Tally(floor=settings.activity_floor)
    try:
        async with http_client(settings) as client:
            runner = web.AppRunner(create_app(Gate(settings, pool, client, activity, tally)))
            await runner.setup()
            port = free_port()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            try:
                yield RunningGate(port=port, settings=settings, activity=activity, tally=tally)
            finally:
                await runner.cleanup()
    finally:
        await pool.close()


@asynccontextmanager
async def running_upstream(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
