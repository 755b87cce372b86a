"""The live stream over a real socket: uvicorn serves the app, NATS carries the events.

httpx's ASGI transport buffers whole responses, so a stream needs a real server.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from ipaddress import ip_network

import httpx
import nats
import pytest
import uvicorn
from services.api.tests.apis import ADA, BOB, admin, api_settings, eventually, learner

from orchestra_api.main import create_app
from orchestra_devstack.natsservers import NatsServer
from orchestra_devstack.probes import free_port
from orchestra_devstack.pytest_plugin import Database
from orchestra_shared.catalogs import Catalog
from orchestra_shared.events import Expiring, StatusChanged, encode_event
from orchestra_shared.subjects import EXPIRING, STATUS_CHANGED


@asynccontextmanager
async def serving(
    migrated: Database, nats_server: NatsServer, catalog: Catalog
) -> AsyncIterator[str]:
    settings = api_settings(
        database_dsn=migrated.dsn,
        nats_url=nats_server.url,
        trusted_proxies=[ip_network("127.0.0.1/32")],
    )
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, catalog), host="127.0.0.1", port=port, log_config=None
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: asyncio.sleep(0, server.started), what="uvicorn to start")
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            await eventually(lambda: _ready(client), what="the api to be ready (NATS subscribed)")
        yield base
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=30)


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200


class Stream:
    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.aiter_lines()

    async def next_event(self) -> tuple[str, dict[str, object]]:
        """The next ``event:``/``data:`` pair, skipping comments and keep-alives."""
        kind = None
        async for line in self.lines:
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: ") and kind:
                return kind, json.loads(line.removeprefix("data: "))
        raise AssertionError("stream ended")


@asynccontextmanager
async def stream(base: str, who: dict[str, str], **params: str) -> AsyncIterator[Stream]:
    async with (
        httpx.AsyncClient(base_url=base, timeout=30) as client,
        client.stream("GET", "/api/v1/events", headers=who, params=params) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        opened = Stream(response)
        async for line in opened.lines:  # the hello: the server has registered us
            if line == ": connected":
                break
        yield opened


async def subscriptions_on(nats_server: NatsServer, subject: str) -> int:
    async with httpx.AsyncClient() as client:
        connz = (await client.get(f"{nats_server.monitor_url}/connz?subs=1")).json()
    return sum((c.get("subscriptions_list") or []).count(subject) for c in connz["connections"])


async def test_learners_get_their_own_phase_changes_and_warnings_admins_all(
    migrated: Database, nats_server: NatsServer, catalog: Catalog
) -> None:
    now = datetime.now(UTC)
    async with (
        serving(migrated, nats_server, catalog) as base,
        stream(base, learner(ADA)) as ada,
        stream(base, learner(BOB)) as bob,
        stream(base, admin(), scope="all") as everyone,
    ):
        # Three clients, one subscription in this process.
        assert await subscriptions_on(nats_server, "orchestra.>") == 1
        client = await nats.connect(nats_server.url)
        try:
            bobs = StatusChanged(instance="beta-x-1", owner=BOB, phase="Ready", transitioned_at=now)
            adas = StatusChanged(
                instance="alpha-x-1", owner=ADA, phase="Ready", transitioned_at=now,
                url="https://alpha-x-1.example.org/",
            )  # fmt: skip
            warning = Expiring(
                instance="alpha-x-1", owner=ADA, expires_at=now + timedelta(minutes=10),
                lead_seconds=600,
            )  # fmt: skip
            await client.publish(STATUS_CHANGED, encode_event(bobs))
            await client.publish(STATUS_CHANGED, encode_event(adas))
            await client.publish(EXPIRING, encode_event(warning))
            await client.flush()
        finally:
            await client.close()
        kind, data = await asyncio.wait_for(ada.next_event(), timeout=30)
        assert (kind, data["instance"], data["phase"]) == ("status", "alpha-x-1", "Ready")
        kind, data = await asyncio.wait_for(ada.next_event(), timeout=30)
        assert (kind, data["lead_seconds"]) == ("expiring", 600)
        kind, data = await asyncio.wait_for(bob.next_event(), timeout=30)
        assert (kind, data["instance"]) == ("status", "beta-x-1")
        seen = [(await asyncio.wait_for(everyone.next_event(), timeout=30))[1] for _ in range(3)]
        assert [d["instance"] for d in seen] == ["beta-x-1", "alpha-x-1", "alpha-x-1"]


async def test_learners_may_not_stream_everyone(
    migrated: Database, nats_server: NatsServer, catalog: Catalog
) -> None:
    async with (
        serving(migrated, nats_server, catalog) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
    ):
        response = await client.get("/api/v1/events", params={"scope": "all"}, headers=learner())
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("headers", [{}, learner()])
async def test_no_stream_without_an_identity_or_from_a_stranger(
    migrated: Database, nats_server: NatsServer, catalog: Catalog, headers: dict[str, str]
) -> None:
    settings = api_settings(database_dsn=migrated.dsn, nats_url=nats_server.url)
    app = create_app(settings, catalog)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/api/v1/events", headers=headers)
    assert response.status_code == 401
