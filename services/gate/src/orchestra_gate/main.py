"""Composition root of the gate: settings → Postgres pool, HTTP client, NATS → one aiohttp app.

``create_app`` builds the app around already-made dependencies (tests call it);
``serve`` runs it until told to stop; ``run`` is the process entry, with the
lifecycle every background service shares (JSON logs, ``/metrics`` with the
activity gauge on the metrics port, SIGTERM). Activity reports go to NATS from a
background task (``reporting``), which never holds up serving.
"""

from __future__ import annotations

import asyncio
import logging
import sys

import aiohttp
import asyncpg
from aiohttp import web
from pydantic import ValidationError

from orchestra_gate.activities import Activity, Tally
from orchestra_gate.config import GateSettings
from orchestra_gate.reporting import Bus, report_forever, reporter_name
from orchestra_gate.routes import Gate
from orchestra_shared.migrating import wait_for_schema
from orchestra_shared.running import run_service
from orchestra_shared.settings import nats_options

log = logging.getLogger(__name__)


def create_app(gate: Gate) -> web.Application:
    app = web.Application(client_max_size=0)
    app.router.add_route("*", "/{tail:.*}", gate.handle)
    return app


def http_client(settings: GateSettings) -> aiohttp.ClientSession:
    # No total timeout: downloads and WebSockets last as long as they last.
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=settings.upstream_connect_timeout)
    return aiohttp.ClientSession(
        timeout=timeout,
        auto_decompress=False,
        cookie_jar=aiohttp.DummyCookieJar(),  # the browser's cookies are not ours to keep
        connector=aiohttp.TCPConnector(limit=0),
    )


async def serve(settings: GateSettings, stop: asyncio.Event) -> None:
    if not await wait_for_schema(settings.database_dsn, stop=stop):
        return
    pool = await asyncpg.create_pool(
        settings.database_dsn, min_size=1, max_size=settings.database_pool_size
    )
    activity = Activity(retention=settings.activity_retention)
    tally = Tally(floor=settings.activity_floor)
    unregister = activity.register()
    bus = Bus(nats_options(settings))
    stop_reporting = asyncio.Event()
    background: list[asyncio.Task[None]] = []
    if settings.activity_reporting:
        background = [
            asyncio.create_task(bus.connect_forever(stop_reporting), name="bus"),
            asyncio.create_task(
                report_forever(
                    tally,
                    bus.publish,
                    reporter=reporter_name(),
                    window=settings.activity_window,
                    stop=stop_reporting,
                ),
                name="reporting",
            ),
        ]
    try:
        async with http_client(settings) as client:
            app = create_app(Gate(settings, pool, client, activity, tally))
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, settings.host, settings.port)
            await site.start()
            log.info("gate listening", extra={"host": settings.host, "port": settings.port})
            try:
                await stop.wait()
            finally:
                await runner.cleanup()
    finally:
        stop_reporting.set()  # the last window is reported on the way out
        await asyncio.gather(*background, return_exceptions=True)
        await bus.close()
        unregister()
        await pool.close()


def run() -> None:
    """``orchestra-gate``; settings that are not safe stop it here, saying why (exit 2)."""
    try:
        settings = GateSettings()
    except ValidationError as error:
        for problem in error.errors():
            print(f"orchestra-gate: {problem['msg']}", file=sys.stderr)
        raise SystemExit(2) from None
    run_service("gate", settings, lambda stop: serve(settings, stop))
