"""Fixtures of the api's tests: a migrated database, a NATS, a catalog, and the running app.

The app runs in-process (its lifespan entered, so the pool, the relay and the
event hub are up) behind httpx's ASGI transport, whose client address plays the
TCP peer: ``PROXY_PEER`` is a trusted login proxy, ``STRANGER_PEER`` is not.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from services.api.tests.apis import Api, AppRunner, api_settings, write_catalog

from orchestra_api.main import create_app
from orchestra_devstack.natsservers import NatsServer
from orchestra_devstack.pytest_plugin import Database
from orchestra_shared.catalogs import Catalog, load_catalog


@pytest.fixture(autouse=True)
def no_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test passes reaches ``ApiSettings``."""
    for key in list(os.environ):
        if key.upper().startswith("ORCHESTRA_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def catalog_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_catalog(tmp_path_factory.mktemp("catalog"))


@pytest.fixture(scope="session")
def catalog(catalog_dir: Path) -> Catalog:
    return load_catalog(catalog_dir)


@pytest.fixture
def run_api(migrated: Database, nats_server: NatsServer, catalog: Catalog) -> AppRunner:
    """Start an app with settings overridden per test: ``async with run_api(x=1) as api``."""

    @asynccontextmanager
    async def running(**overrides: Any) -> AsyncIterator[Api]:
        jwks_fetcher = overrides.pop("jwks_fetcher", None)
        settings = api_settings(database_dsn=migrated.dsn, nats_url=nats_server.url, **overrides)
        app = create_app(settings, catalog, jwks_fetcher=jwks_fetcher)
        async with app.router.lifespan_context(app):
            yield Api(app=app, settings=settings)

    return running


@pytest_asyncio.fixture
async def api(run_api: AppRunner) -> AsyncIterator[Api]:
    async with run_api() as running:
        yield running
