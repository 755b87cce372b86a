"""The live stream over a real socket: uvicorn serves the app, NATS carries the events.

httpx's ASGI transport buffers whole responses, so a stream needs a real server.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from ipaddress import ip_network
from typing import Any

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
from orchestra_shared.phases import Phase
from orchestra_shared.streaming import ensure_stream
from orchestra_shared.subjects import EXPIRING, STATUS_CHANGED


@asynccontextmanager
async def serving(
    migrated: Database, nats_server: NatsServer, catalog: Catalog, **overrides: Any
) -> AsyncIterator[str]:
    settings = api_settings(
        database_dsn=migrated.dsn,
        nats_url=nats_server.url,
        trusted_proxies=[ip_network("127.0.0.1/32")],
        **overrides,
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
        self.hello_id: str | None = None

    async def next_event(self) -> tuple[str, dict[str, object]]:
        """The next ``event:``/``data:`` pair, skipping comments and keep-alives."""
        kind, _, data = await self.next_with_id()
        return kind, data

    async def next_with_id(self) -> tuple[str, str | None, dict[str, object]]:
        """The next event with its ``id`` (None when it has none)."""
        kind, event_id = None, None
        async for line in self.lines:
            if line.startswith("id: "):
                event_id = line.removeprefix("id: ")
            elif line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: ") and kind:
                return kind, event_id, json.loads(line.removeprefix("data: "))
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
        async for line in opened.lines:  # the server has registered us
            if line == ": connected":
                break
        replaying = "last_event_id" in params or "Last-Event-ID" in who
        if not replaying:  # a new stream says where it starts
            kind, hello_id, data = await asyncio.wait_for(opened.next_with_id(), timeout=30)
            assert (kind, hello_id) == ("hello", str(data["position"]))
            opened.hello_id = hello_id
        yield opened


async def publish(nats_server: NatsServer, *events: StatusChanged | Expiring) -> list[int]:
    """Store events in the platform stream as sync and expiry do; their sequences."""
    client = await nats.connect(nats_server.url)
    try:
        js = client.jetstream()
        await ensure_stream(js)
        subjects = {StatusChanged: STATUS_CHANGED, Expiring: EXPIRING}
        return [
            (await js.publish(subjects[type(event)], encode_event(event))).seq for event in events
        ]
    finally:
        await client.close()


async def stream_consumers(nats_server: NatsServer) -> int:
    async with httpx.AsyncClient() as client:
        jsz = (await client.get(f"{nats_server.monitor_url}/jsz?consumers=true")).json()
    return sum(
        len(stream.get("consumer_detail") or [])
        for account in jsz.get("account_details") or []
        for stream in account.get("stream_detail") or []
        if stream["name"] == "ORCHESTRA"
    )


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
        # Three clients, one consumer of the stream in this process.
        assert await stream_consumers(nats_server) == 1
        bobs = StatusChanged(instance="beta-x-1", owner=BOB, phase="Ready", transitioned_at=now)
        adas = StatusChanged(
            instance="alpha-x-1", owner=ADA, phase="Ready", transitioned_at=now,
            url="https://alpha-x-1.example.org/",
        )  # fmt: skip
        warning = Expiring(
            instance="alpha-x-1", owner=ADA, expires_at=now + timedelta(minutes=10),
            lead_seconds=600,
        )  # fmt: skip
        await publish(nats_server, bobs, adas, warning)
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


def ready(instance: str, owner: str, phase: Phase = "Ready") -> StatusChanged:
    return StatusChanged(
        instance=instance, owner=owner, phase=phase, transitioned_at=datetime.now(UTC)
    )


async def test_a_reconnecting_learner_gets_what_was_missed_in_order_then_live(
    migrated: Database, nats_server: NatsServer, catalog: Catalog
) -> None:
    async with serving(migrated, nats_server, catalog) as base:
        async with stream(base, learner(ADA)) as ada:
            await publish(nats_server, ready("alpha-r-1", ADA, "Pending"))
            _, seen, _ = await asyncio.wait_for(ada.next_with_id(), timeout=30)
        assert seen is not None
        # Disconnected: two phases of Ada's and one of Bob's happen meanwhile.
        missed = await publish(
            nats_server,
            ready("alpha-r-1", ADA, "Provisioning"),
            ready("beta-r-1", BOB, "Ready"),
            ready("alpha-r-1", ADA, "Ready"),
        )
        async with stream(base, {**learner(ADA), "Last-Event-ID": seen}) as again:
            replayed = [await asyncio.wait_for(again.next_with_id(), timeout=30) for _ in range(2)]
            assert [(e[1], e[2]["phase"]) for e in replayed] == [
                (str(missed[0]), "Provisioning"),
                (str(missed[2]), "Ready"),
            ]
            # Live from there on, nothing sent twice.
            (later,) = await publish(nats_server, ready("alpha-r-1", ADA, "Terminating"))
            kind, event_id, data = await asyncio.wait_for(again.next_with_id(), timeout=30)
            assert (kind, event_id, data["phase"]) == ("status", str(later), "Terminating")


async def test_an_admin_reconnecting_by_parameter_gets_everyones_missed_events(
    migrated: Database, nats_server: NatsServer, catalog: Catalog
) -> None:
    async with serving(migrated, nats_server, catalog) as base:
        (before,) = await publish(nats_server, ready("alpha-p-1", ADA, "Pending"))
        missed = await publish(
            nats_server, ready("alpha-p-1", ADA), ready("beta-p-1", BOB, "Pending")
        )
        async with stream(base, admin(), scope="all", last_event_id=str(before)) as everyone:
            got = [await asyncio.wait_for(everyone.next_with_id(), timeout=30) for _ in range(2)]
        assert [(e[1], e[2]["instance"]) for e in got] == [
            (str(missed[0]), "alpha-p-1"),
            (str(missed[1]), "beta-p-1"),
        ]


@pytest.mark.parametrize("last_event_id", ["not-a-sequence", "999999999"])
async def test_a_gap_that_cannot_be_replayed_tells_the_client_to_resync(
    migrated: Database, nats_server: NatsServer, catalog: Catalog, last_event_id: str
) -> None:
    async with serving(migrated, nats_server, catalog) as base:
        await publish(nats_server, ready("alpha-g-1", ADA, "Pending"))
        async with stream(base, {**learner(ADA), "Last-Event-ID": last_event_id}) as ada:
            kind, event_id, data = await asyncio.wait_for(ada.next_with_id(), timeout=30)
            assert (kind, event_id) == ("resync", None)
            assert data["reason"]
            # ... and the stream goes on live.
            (seq,) = await publish(nats_server, ready("alpha-g-1", ADA))
            kind, event_id, data = await asyncio.wait_for(ada.next_with_id(), timeout=30)
            assert (kind, event_id, data["phase"]) == ("status", str(seq), "Ready")


async def test_a_client_that_saw_only_the_hello_gets_everything_after_it(
    migrated: Database, nats_server: NatsServer, catalog: Catalog
) -> None:
    async with serving(migrated, nats_server, catalog) as base:
        before = await publish(nats_server, ready("alpha-h-1", ADA, "Pending"))
        async with stream(base, learner(ADA)) as ada:
            start = ada.hello_id
        assert start is not None
        assert int(start) >= before[0]  # what came before the stream is not its to send
        # Dropped before any event reached it; meanwhile the workshop moves on.
        missed = await publish(nats_server, ready("alpha-h-1", ADA, "Ready"))
        async with stream(base, {**learner(ADA), "Last-Event-ID": start}) as again:
            kind, event_id, data = await asyncio.wait_for(again.next_with_id(), timeout=30)
        assert (kind, event_id, data["phase"]) == ("status", str(missed[0]), "Ready")
