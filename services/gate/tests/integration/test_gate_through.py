"""Through the real gate on loopback to a real upstream: who gets in, and who does not.

The gate runs in-process on a free port over a real, migrated Postgres; the
upstream is the dev stack's stand-in application (HTTP page, request echo,
WebSocket echo). Clients address workshops as ``{instance}.localhost:PORT``
with a real cookie jar, so host-only cookies behave as in a browser.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from services.gate.tests.gates import (
    RunningGate,
    gate_settings,
    running_gate,
    running_upstream,
    ticket,
)

from orchestra_devstack.standin.apps import standin_app
from orchestra_devstack.standin.browsing import browser

MINE = "jupyter-1-abc"
THEIRS = "rstudio-2-xyz"


@pytest_asyncio.fixture
async def upstream() -> AsyncIterator[str]:
    async with running_upstream(standin_app()) as url:
        yield url


@pytest_asyncio.fixture
async def gate(dsn: str, upstream: str) -> AsyncIterator[RunningGate]:
    async with running_gate(gate_settings(dsn, upstream)) as running:
        yield running


async def enter(client: aiohttp.ClientSession, gate: RunningGate, instance: str) -> None:
    async with client.get(
        gate.open_url(instance, ticket(instance)), allow_redirects=False
    ) as response:
        assert response.status == 303, await response.text()
        assert response.headers["Location"] == "/"


async def test_no_cookie_is_sent_to_the_open_flow(gate: RunningGate) -> None:
    async with (
        browser() as client,
        client.get(gate.url(MINE, "/lab?x=1"), allow_redirects=False) as response,
    ):
        assert response.status == 303
        assert response.headers["Location"] == (
            f"http://dashboard.localhost:1/api/v1/instances/{MINE}/open?next=%2Flab%3Fx%3D1"
        )


async def test_the_owner_gets_the_application_and_the_token_leaves_the_url(
    gate: RunningGate,
) -> None:
    async with browser() as client:
        async with client.get(gate.open_url(MINE, ticket(MINE))) as response:
            assert response.status == 200
            assert str(response.url) == gate.url(MINE)  # the ticket is stripped by a redirect
            assert MINE in await response.text()
        async with client.post(
            gate.url(MINE, "/_standin/request?a=1"),
            data=b"x" * 100_000,
            headers={"Cookie": "app=kept"},
        ) as response:
            seen = await response.json()
    assert seen["path"] == "/_standin/request?a=1"
    assert seen["host"] == f"{MINE}.localhost:{gate.port}"
    assert seen["body_length"] == 100_000
    assert "orchestra-gate" not in (seen["cookie"] or "")  # the gate's cookie stays at the gate
    assert MINE in gate.activity.current()


async def test_websockets_pass_both_ways(gate: RunningGate) -> None:
    async with browser() as client:
        await enter(client, gate, MINE)
        async with client.ws_connect(gate.url(MINE, "/ws").replace("http", "ws", 1)) as socket:
            await socket.send_str("hello")
            assert await socket.receive_str(timeout=60) == "hello"
            await socket.send_bytes(b"\x00\x01")
            assert await socket.receive_bytes(timeout=60) == b"\x00\x01"


async def test_a_websocket_without_a_session_is_not_let_through(gate: RunningGate) -> None:
    handshake = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    async with (
        browser() as client,
        client.get(gate.url(MINE, "/ws"), headers=handshake, allow_redirects=False) as response,
    ):
        assert response.status == 303
        assert "Sec-WebSocket-Accept" not in response.headers


async def test_the_cookie_is_host_only_and_http_only(gate: RunningGate) -> None:
    async with browser() as client:
        async with client.get(gate.open_url(MINE, ticket(MINE)), allow_redirects=False) as response:
            cookie = response.headers["Set-Cookie"]
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
        assert "domain" not in attributes
        assert {"httponly", "samesite", "path"} <= attributes
        # The same browser at another workshop's host: no cookie goes there.
        async with client.get(gate.url(THEIRS), allow_redirects=False) as response:
            assert response.status == 303
            assert f"/instances/{THEIRS}/open" in response.headers["Location"]


async def test_the_cookie_is_secure_when_configured(dsn: str, upstream: str) -> None:
    settings = gate_settings(dsn, upstream, cookie_secure=True)
    async with (
        running_gate(settings) as gate,
        browser() as client,
        client.get(gate.open_url(MINE, ticket(MINE)), allow_redirects=False) as response,
    ):
        assert "secure" in response.headers["Set-Cookie"].lower()


async def test_another_workshops_cookie_is_403(gate: RunningGate) -> None:
    async with browser() as client:
        await enter(client, gate, THEIRS)
        (morsel,) = client.cookie_jar
        stolen = f"{morsel.key}={morsel.value}"
    async with (
        browser() as client,
        client.get(gate.url(MINE), headers={"Cookie": stolen}, allow_redirects=False) as response,
    ):
        assert response.status == 403


@pytest.mark.parametrize(
    "bad",
    [
        {"instance": THEIRS},
        {"seconds": -5},
        {"secret": "an-attackers-own-secret-0123456789abcdef"},
    ],
    ids=["other-instance", "expired", "forged"],
)
async def test_bad_tickets_are_refused(gate: RunningGate, bad: dict[str, Any]) -> None:
    instance = bad.pop("instance", MINE)
    async with browser() as client:
        async with client.get(
            gate.open_url(MINE, ticket(instance, **bad)), allow_redirects=False
        ) as response:
            assert response.status == 403
            assert "Set-Cookie" not in response.headers
        async with client.get(gate.url(MINE), allow_redirects=False) as response:
            assert response.status == 303  # still no session


async def test_a_ticket_opens_once_even_across_gate_replicas(
    gate: RunningGate, dsn: str, upstream: str
) -> None:
    sealed = ticket(MINE)
    async with running_gate(gate_settings(dsn, upstream)) as other:
        async with (
            browser() as client,
            client.get(gate.open_url(MINE, sealed), allow_redirects=False) as response,
        ):
            assert response.status == 303
        for replica in (gate, other):
            async with (
                browser() as client,
                client.get(replica.open_url(MINE, sealed), allow_redirects=False) as response,
            ):
                assert response.status == 403
                assert "used already" in await response.text()


async def test_an_application_that_is_down_is_a_502_not_a_hang(dsn: str) -> None:
    async with (
        running_gate(gate_settings(dsn, "http://127.0.0.1:9")) as gate,
        browser() as client,
        client.get(gate.open_url(MINE, ticket(MINE))) as response,
    ):
        assert response.status == 502
