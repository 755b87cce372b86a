"""Composition root of the api: settings → catalog → pool → app, and the process entry.

``create_app`` builds a FastAPI app around already-made dependencies (tests
call it); ``run`` reads settings, loads the catalog (a bad template stops
start-up here, with file, line and field), and serves with uvicorn. The outbox
relay runs as a task of the same process.
"""

import asyncio
import functools
import json
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from types import FrameType
from typing import Any

import asyncpg
import uvicorn
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from pydantic import ValidationError

from orchestra_api.bodies import ProblemBody
from orchestra_api.config import ApiSettings
from orchestra_api.deps import AppState
from orchestra_api.exporting import reap_archives
from orchestra_api.journaling import reap_audit
from orchestra_api.metering import Metrics
from orchestra_api.pooling import Keeper
from orchestra_api.problems import install_problem_handlers
from orchestra_api.queueing import Admitter
from orchestra_api.records import compact_active_changes
from orchestra_api.refreshing import JwksFetcher
from orchestra_api.routes import (
    admin,
    archives,
    class_events,
    classes,
    events,
    helpers,
    history,
    instances,
    system,
    templates,
    waiting,
    workspaces,
)
from orchestra_api.streaming import Hub
from orchestra_api.supervising import ClassIndex, RosterNudge, nudges
from orchestra_api.timing import TimingMiddleware
from orchestra_api.tracing import TraceIdMiddleware
from orchestra_api.verifying import TokenVerifier
from orchestra_api.workspacing import reap_workspaces
from orchestra_shared import streaming
from orchestra_shared.archiving import open_store
from orchestra_shared.catalogs import Catalog, CatalogError, load_catalog
from orchestra_shared.events import (
    ClassMessage,
    Expiring,
    IdleWarning,
    StatusChanged,
    WaitingChanged,
    WorkspaceExpiring,
)
from orchestra_shared.migrating import upgrade_database, wait_for_schema
from orchestra_shared.reaping import reap_forever
from orchestra_shared.relaying import API_OUTBOX, Relay, RelaySettings
from orchestra_shared.retrying import Backoff, pass_forever
from orchestra_shared.settings import nats_options
from orchestra_shared.telemetry import configure_logging, configure_tracing, tracing_enabled

log = logging.getLogger(__name__)
SHUTDOWN_TIMEOUT = 10.0


async def relay(settings: ApiSettings, pool: asyncpg.Pool) -> None:
    """The outbox relay, once NATS answers; launches wait in the outbox until then."""
    outbox = Relay(pool, API_OUTBOX, RelaySettings.of(settings))
    client = await streaming.connect(
        settings, backoff=Backoff(settings.outbox_backoff_initial, settings.outbox_backoff_max)
    )
    try:
        await outbox.run(client.jetstream())
    finally:
        await client.close()


async def keep_session(connection: asyncpg.Connection) -> None:
    """Hand a connection back to the pool without asyncpg's reset query.

    asyncpg rolls back an open transaction and drops listener callbacks by itself; its
    reset query (unlock advisory locks, close cursors, UNLISTEN, RESET ALL) undoes
    session state the api never sets (its locks and cursors are transaction-scoped;
    the relay UNLISTENs its own channel), and costs a round trip per request.
    """


def reapers(settings: ApiSettings, pool: asyncpg.Pool) -> list[asyncio.Task[None]]:
    """The api's retention rules that need only Postgres: the audit, and the workspaces
    (decided here, deleted by the operator; docs/src/content/docs/decisions/0062)."""
    retention = settings.retention
    return [
        asyncio.create_task(
            reap_forever(
                "audit",
                lambda: reap_audit(
                    pool,
                    keep_for=retention.audit,
                    now=datetime.now(UTC),
                    batch=retention.reap_batch,
                ),
                interval=retention.reap_interval,
            ),
            name="audit-reaper",
        ),
        asyncio.create_task(
            reap_forever(
                "workspaces",
                lambda: reap_workspaces(pool, retention=retention, now=datetime.now(UTC)),
                interval=retention.reap_interval,
            ),
            name="workspaces-reaper",
        ),
    ]


async def compact_counts(settings: ApiSettings, pool: asyncpg.Pool) -> None:
    """Keep the capacity check's sum short (``records.compact_active_changes``)."""
    await pass_forever(
        lambda: compact_active_changes(pool),
        woken=asyncio.Event(),  # nothing wakes it: the changes only add up
        interval=settings.capacity_compact_interval,
        what="capacity counts",
        log=log,
    )


def create_app(
    settings: ApiSettings, catalog: Catalog, *, jwks_fetcher: JwksFetcher | None = None
) -> FastAPI:
    """The app; Postgres, NATS and the relay are started by its lifespan.

    ``jwks_fetcher`` replaces the HTTP fetch of the token issuer's keys (tests).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.identity_problem:
            raise RuntimeError(settings.identity_problem)
        await wait_for_schema(settings.database_dsn)  # the migration Job may still be running
        pool = await asyncpg.create_pool(
            settings.database_dsn,
            min_size=1,
            max_size=settings.database_pool_size,
            reset=keep_session,
        )
        hub = Hub(
            nats_options=nats_options(settings),
            queue_size=settings.events_queue_size,
            nudges=functools.partial(nudges, index=ClassIndex(pool)),
        )
        store = open_store(settings.archives)
        verifier = None
        if settings.oidc_enabled:
            verifier = (
                TokenVerifier(settings, fetch=jwks_fetcher)
                if jwks_fetcher
                else TokenVerifier(settings)
            )
        admitter = Admitter(
            pool, catalog, settings=settings, metrics=metrics, clock=lambda: datetime.now(UTC)
        )
        keeper = Keeper(pool, catalog, settings=settings, clock=lambda: datetime.now(UTC))
        app.state.orchestra = AppState(
            settings=settings,
            catalog=catalog,
            pool=pool,
            hub=hub,
            metrics=metrics,
            verifier=verifier,
            archives=store,
            admitter=admitter,
            keeper=keeper,
        )
        tasks = [
            asyncio.create_task(hub.run(), name="event-hub"),
            asyncio.create_task(relay(settings, pool), name="outbox-relay"),
            asyncio.create_task(admitter.run(), name="waiting-room"),
            asyncio.create_task(keeper.run(), name="warm-pools"),
            *reapers(settings, pool),
            asyncio.create_task(compact_counts(settings, pool), name="capacity-counts"),
        ]
        if store is not None:
            tasks.append(
                asyncio.create_task(
                    reap_forever(
                        "archives",
                        lambda: reap_archives(
                            store, keep_for=settings.retention.archives, now=datetime.now(UTC)
                        ),
                        interval=settings.retention.reap_interval,
                    ),
                    name="archives-reaper",
                )
            )
        try:
            yield
        finally:
            if verifier is not None:
                await verifier.close()
            if store is not None:
                await store.close()
            hub.stopping.set()
            for task in tasks:
                task.cancel()
            _, stuck = await asyncio.wait(tasks, timeout=SHUTDOWN_TIMEOUT)
            for task in stuck:
                log.warning("%s did not stop within %s s", task.get_name(), SHUTDOWN_TIMEOUT)
            try:
                await asyncio.wait_for(pool.close(), timeout=SHUTDOWN_TIMEOUT)
            except TimeoutError:
                log.warning(
                    "database pool did not close within %s s; terminating it", SHUTDOWN_TIMEOUT
                )
                pool.terminate()

    metrics = Metrics()
    app = FastAPI(
        title="Orchestra API",
        version="0.1.0",
        description="Launch time-limited workshop environments from a curated catalog.",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.add_middleware(TraceIdMiddleware)
    app.add_middleware(TimingMiddleware, metrics=metrics)
    for router in ROUTERS:
        app.include_router(router)
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    return app


ROUTERS = (
    system.router,
    templates.router,
    instances.router,
    history.router,
    events.router,
    admin.router,
    archives.router,
    classes.router,
    class_events.router,
    helpers.router,
    workspaces.router,
    waiting.router,
)


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus the schemas that error responses and stream events refer to."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        # The problem every error refers to, and the events the live stream carries.
        for model in (
            ProblemBody,
            StatusChanged,
            Expiring,
            IdleWarning,
            ClassMessage,
            WaitingChanged,
            RosterNudge,
            WorkspaceExpiring,
        ):
            schema = model.model_json_schema(
                ref_template="#/components/schemas/{model}",
                mode="validation" if model is ProblemBody else "serialization",
            )
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
        app.openapi_schema = document
    return app.openapi_schema


def run(argv: list[str] | None = None) -> None:
    """``orchestra-api [serve|migrate|openapi]``."""
    args = sys.argv[1:] if argv is None else argv
    configure_logging("api")
    if args[:1] == ["openapi"]:
        # The dashboard's client is generated from this; it needs no database, catalog or secret.
        document = create_app(
            ApiSettings(environment="development"), Catalog(templates={})
        ).openapi()
        print(json.dumps(document, indent=2, sort_keys=True))
        return
    try:
        settings = ApiSettings()
    except ValidationError as error:
        for detail in error.errors():
            print(f"orchestra-api: {detail['msg']}", file=sys.stderr)
        raise SystemExit(2) from None
    if args[:1] == ["migrate"]:
        upgrade_database(settings.database_dsn)
        return
    try:
        catalog = load_catalog(settings.catalog_dir, profiles=settings.catalog_profiles)
    except CatalogError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(
            f"orchestra-api: the template catalog in {settings.catalog_dir} has errors; "
            "not starting",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    if settings.identity_problem:
        print(f"orchestra-api: {settings.identity_problem}; not starting", file=sys.stderr)
        raise SystemExit(2)
    log.info("catalog loaded", extra={"templates": len(catalog.templates)})
    stop_tracing = configure_tracing("api", settings)
    app = create_app(settings, catalog)
    if tracing_enabled(settings):
        # Instrumented only when spans go somewhere: with tracing off, the no-op spans of
        # every request and query still cost about a third of a launch's CPU.
        AsyncPGInstrumentor().instrument()  # type: ignore[no-untyped-call]
        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        # The C parser and the libuv loop (both dependencies of the api): uvicorn's pure-Python
        # h11 and asyncio's loop cost a launch more CPU than the launch itself.
        loop="uvloop",
        http="httptools",
        log_config=None,
        proxy_headers=False,  # identity trust is decided on the real peer address
        timeout_graceful_shutdown=settings.shutdown_grace,
    )
    try:
        ApiServer(config, app).run()
    finally:
        stop_tracing()


class ApiServer(uvicorn.Server):
    """uvicorn, ending the event streams as soon as a stop is asked for.

    uvicorn waits for every open response before it stops, and an event stream never
    ends by itself: without this, SIGTERM with one dashboard open waits for SIGKILL.
    """

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self.orchestra_app = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        state: AppState | None = getattr(self.orchestra_app.state, "orchestra", None)
        if state is not None:
            # A signal handler runs between two steps of the loop's thread: hand over.
            asyncio.get_event_loop().call_soon_threadsafe(state.hub.end_streams)
