"""An instructor helping at a learner's workshop, through the real gate on loopback
(docs/src/content/docs/decisions/0070): let in only while the learner consents, every
entry recorded with who it was, and shut out, open WebSocket included, once consent
is withdrawn. The consent rows are the api's; here they are written as it writes them.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import asyncpg
import pytest_asyncio
from services.gate.tests.gates import (
    NAMESPACE,
    RunningGate,
    gate_settings,
    running_gate,
    running_upstream,
    ticket,
)

from orchestra_devstack.standin.apps import standin_app
from orchestra_devstack.standin.browsing import browser
from orchestra_gate.redeeming import redeem
from orchestra_shared.passes import Pass

MINE = "jupyter-1-abc"
GRACE = "grace@example.org"


@pytest_asyncio.fixture
async def gate(dsn: str) -> AsyncIterator[RunningGate]:
    # Asked on every request: a withdrawn consent shows on the very next one.
    async with (
        running_upstream(standin_app()) as upstream,
        running_gate(gate_settings(dsn, upstream, help_recheck_seconds=0)) as running,
    ):
        yield running


async def consent(pool: asyncpg.Pool, instance: str) -> None:
    await pool.execute(
        "INSERT INTO instance_helpers (instance, owner, granted_at) VALUES ($1, $2, now())",
        instance,
        "ada@example.org",
    )


async def withdraw(pool: asyncpg.Pool, instance: str) -> None:
    await pool.execute(
        "UPDATE instance_helpers SET revoked_at = now() WHERE instance = $1", instance
    )


def helper_ticket(instance: str) -> str:
    return ticket(instance, subject=GRACE, role="instructor")


async def test_an_instructor_with_consent_gets_in_and_the_entry_is_kept(
    gate: RunningGate, pool: asyncpg.Pool
) -> None:
    await consent(pool, MINE)
    async with browser() as client:
        async with client.get(gate.open_url(MINE, helper_ticket(MINE))) as response:
            assert response.status == 200
            assert MINE in await response.text()
        async with client.get(gate.open_url(MINE, ticket(MINE))) as response:
            assert response.status == 200  # the owner, as ever
    rows = await pool.fetch(
        "SELECT redeemed_by, role FROM gate_redemptions WHERE instance = $1 ORDER BY redeemed_at",
        MINE,
    )
    assert [(r["redeemed_by"], r["role"]) for r in rows] == [
        (GRACE, "instructor"),
        ("ada@example.org", "owner"),
    ]
    # Expired owners' rows go; the record of who helped stays.
    later = Pass(
        purpose="ticket",
        instance=MINE,
        subject="ada@example.org",
        namespace=NAMESPACE,
        expires_at=int(time.time()) + 60,
    )
    assert await redeem(pool, later, now=datetime(2100, 1, 1, tzinfo=UTC))
    kept = await pool.fetch("SELECT redeemed_by FROM gate_redemptions WHERE instance = $1", MINE)
    assert [r["redeemed_by"] for r in kept] == [GRACE]


async def test_without_consent_an_instructors_ticket_is_refused_unused(
    gate: RunningGate, pool: asyncpg.Pool
) -> None:
    sealed = helper_ticket(MINE)
    async with browser() as client, client.get(gate.open_url(MINE, sealed)) as response:
        assert response.status == 403
        assert "no longer lets instructors" in await response.text()
    assert await pool.fetchval("SELECT count(*) FROM gate_redemptions") == 0


async def test_withdrawn_consent_shuts_an_open_session_and_its_websocket(
    gate: RunningGate, pool: asyncpg.Pool
) -> None:
    await consent(pool, MINE)
    async with browser() as client:
        async with client.get(gate.open_url(MINE, helper_ticket(MINE))) as response:
            assert response.status == 200
        socket = await client.ws_connect(gate.url(MINE, "/ws").replace("http", "ws", 1))
        await socket.send_str("hello")
        assert await socket.receive_str(timeout=60) == "hello"

        await withdraw(pool, MINE)
        closing = await socket.receive(timeout=30)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert socket.close_code == aiohttp.WSCloseCode.POLICY_VIOLATION
        await socket.close()
        async with client.get(gate.url(MINE, "/"), allow_redirects=False) as response:
            assert response.status == 403
            assert "no longer lets instructors" in await response.text()
            # The session cookie is dropped: coming back takes a new, recorded, ticket.
            assert response.cookies["orchestra-gate"].value == ""
        # The owner is never asked about consent.
        async with client.get(gate.open_url(MINE, ticket(MINE))) as response:
            assert response.status == 200
