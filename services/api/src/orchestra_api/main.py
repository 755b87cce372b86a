"""Composition root of the api: settings → catalog → pool → app, and the process entry.

``create_app`` builds a FastAPI app around already-made dependencies (tests
call it); ``run`` reads settings, loads the catalog (a bad template stops
start-up here, with file, line and field), and serves with uvicorn. The outbox
relay runs as a task of the same process.
"""

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import asyncpg
import uvicorn
from fastapi import FastAPI

from orchestra_api.config import ApiSettings
from orchestra_api.deps import AppState
from orchestra_api.problems import install_problem_handlers
from orchestra_api.relaying import relay_forever
from orchestra_api.routes import instances, system, templates
from orchestra_shared.catalogs import Catalog, CatalogError, load_catalog
from orchestra_shared.migrating import upgrade_database
from orchestra_shared.telemetry import configure_logging

log = logging.getLogger(__name__)


def create_app(settings: ApiSettings, catalog: Catalog) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(
            settings.database_dsn, min_size=1, max_size=settings.database_pool_size
        )
        app.state.orchestra = AppState(settings=settings, catalog=catalog, pool=pool)
        relay = asyncio.create_task(
            relay_forever(
                pool,
                nats_url=settings.nats_url,
                connect_timeout=settings.nats_connect_timeout,
                poll_interval=settings.outbox_poll_interval,
                batch_size=settings.outbox_batch_size,
            ),
            name="outbox-relay",
        )
        try:
            yield
        finally:
            relay.cancel()
            with suppress(asyncio.CancelledError):
                await relay
            await pool.close()

    app = FastAPI(
        title="Orchestra API",
        version="0.1.0",
        description="Launch time-limited workshop environments from a curated catalog.",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.include_router(system.router)
    app.include_router(templates.router)
    app.include_router(instances.router)
    return app


def run(argv: list[str] | None = None) -> None:
    """``orchestra-api [serve|migrate]``."""
    args = sys.argv[1:] if argv is None else argv
    settings = ApiSettings()
    configure_logging("api")
    if args[:1] == ["migrate"]:
        upgrade_database(settings.database_dsn)
        return
    try:
        catalog = load_catalog(settings.catalog_dir)
    except CatalogError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(
            f"orchestra-api: the template catalog in {settings.catalog_dir} has errors; "
            "not starting",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    log.info("catalog loaded", extra={"templates": len(catalog.templates)})
    uvicorn.run(
        create_app(settings, catalog),
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=False,  # identity trust is decided on the real peer address
    )
