"""Every launch waits in the same line (docs/src/content/docs/decisions/0070), against real
Postgres and NATS: a launch at capacity gets a ticket instead of a 429, in arrival order
with class joins, a retry finds its ticket, limits still refuse, a learner leaves, the line
survives an api restart, two replicas admit nobody twice, and the learner hears it live."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from services.api.tests.apis import Api, AppRunner, eventually, learner
from services.api.tests.routes.test_api_classes import create_class, join
from services.api.tests.routes.test_api_events import serving, stream

from orchestra_cli.main import run
from orchestra_devstack.natsservers import NatsServer
from orchestra_devstack.pytest_plugin import Database
from orchestra_shared.catalogs import Catalog

A, B, C, D = (f"{n}@example.org" for n in ("a", "b", "c", "d"))


async def post(
    api: Api, who: str, template: str = "alpha", key: str | None = None, **body: Any
) -> httpx.Response:
    headers = learner(who) | ({"Idempotency-Key": key} if key else {})
    async with api.client() as client:
        return await client.post(
            "/api/v1/instances", json={"template": template, **body}, headers=headers
        )


async def get(api: Api, who: str, path: str) -> httpx.Response:
    async with api.client() as client:
        return await client.get(path, headers=learner(who))


async def free_seat(api: Api, name: str) -> None:
    """Play sync: the session ended and the cluster removed it; the admitter moves."""
    await api.set_phase(name, "Terminated", terminated_at=datetime.now(UTC))
    api.state.admitter.wake()


async def ticket_state(api: Api, ticket: int) -> Any:
    return await api.state.pool.fetchrow(
        "SELECT state, instance FROM class_queue WHERE id = $1", ticket
    )


async def test_a_launch_at_capacity_gets_a_ticket_and_a_retry_the_same_one(
    run_api: AppRunner,
) -> None:
    async with run_api(capacity_total=1) as api:
        running = await api.launched(learner(A))
        queued = await post(api, B, key="b-1")
        assert queued.status_code == 202
        ticket = queued.json()
        assert "name" not in ticket  # never mistaken for an instance
        assert ticket["state"] == "waiting"
        assert (ticket["position"], ticket["template"], ticket["class_id"]) == (1, "alpha", None)
        assert ticket["estimate_seconds"] is None  # nothing ended yet: unknown, not a guess
        assert ticket["blocked_on"] == "capacity"
        assert queued.headers["location"] == ticket["url"]
        assert ticket["url"] == f"/api/v1/waiting-room/{ticket['ticket']}"

        second = (await post(api, C)).json()
        assert second["position"] == 2
        # A retry with the same key, or asking again for the same template: the same place.
        again = await post(api, B, key="b-1")
        assert (again.status_code, again.json()["ticket"]) == (200, ticket["ticket"])
        assert (await post(api, B)).json()["ticket"] == ticket["ticket"]
        # Polling the url: mine only.
        polled = await get(api, B, ticket["url"])
        assert (polled.status_code, polled.json()["position"]) == (200, 1)
        assert (await get(api, C, ticket["url"])).status_code == 404
        mine = (await get(api, C, "/api/v1/waiting-room")).json()
        assert [t["ticket"] for t in mine] == [second["ticket"]]

        # Per-learner limits still apply: A, who holds alpha, is refused, not queued.
        held = await post(api, A)
        assert held.status_code == 409
        assert held.json()["existing"]["name"] == running
        assert (
            await api.state.pool.fetchval("SELECT count(*) FROM class_queue WHERE owner = $1", A)
            == 0
        )

        # The seat frees: B is admitted, and B's retried POST now returns the instance.
        await free_seat(api, running)

        async def admitted() -> Any:
            row = await ticket_state(api, ticket["ticket"])
            return row["state"] == "admitted" and row

        row = await eventually(admitted, what="the head of the line to be admitted")
        retried = await post(api, B, key="b-1")
        assert (retried.status_code, retried.json()["name"]) == (200, row["instance"])
        assert (await get(api, B, ticket["url"])).json()["instance"] == row["instance"]
        assert (await get(api, C, second["url"])).json()["position"] == 1


async def test_a_place_in_line_counts_against_the_learners_limit(run_api: AppRunner) -> None:
    async with run_api(capacity_total=1, max_active_per_user=1) as api:
        await api.launched(learner(A))
        assert (await post(api, B, "alpha")).status_code == 202
        refused = await post(api, B, "beta")
        assert refused.status_code == 409
        assert refused.json()["type"].endswith("/limit-reached")
        assert "waiting in line" in refused.json()["detail"]


async def test_classes_and_launches_share_one_line_in_arrival_order(run_api: AppRunner) -> None:
    async with run_api(capacity_total=1) as api:
        klass = await create_class(api)
        running = await api.launched(learner(A))
        first = (await join(api, learner("p1@example.org"), klass["join_code"])).json()
        b = (await post(api, B)).json()
        second = (await join(api, learner("p2@example.org"), klass["join_code"])).json()
        c = (await post(api, C, "beta")).json()
        assert [first["waiting"]["position"], b["position"]] == [1, 2]
        assert [second["waiting"]["position"], c["position"]] == [3, 4]

        # C gives up; leaving twice answers the same; nobody else loses their place.
        async with api.client() as client:
            left = await client.delete(c["url"], headers=learner(C))
            twice = await client.delete(c["url"], headers=learner(C))
            stranger = await client.delete(b["url"], headers=learner(C))
        assert (left.status_code, left.json()["state"]) == (200, "left")
        assert twice.json()["state"] == "left"
        assert stranger.status_code == 404

        # Each freed seat goes to the first in line, class or not.
        order: list[str] = []
        for _ in range(3):
            await free_seat(api, running)

            async def next_admitted(known: int = len(order)) -> Any:
                rows = await api.state.pool.fetch(
                    "SELECT owner, instance FROM class_queue WHERE state = 'admitted' ORDER BY id"
                )
                return len(rows) > known and rows

            rows = await eventually(next_admitted, what="the next in line to be admitted")
            order = [r["owner"] for r in rows]
            running = rows[-1]["instance"]
        assert order == ["p1@example.org", B, "p2@example.org"]
        # An admitted ticket cannot be left: the session is ended instead.
        async with api.client() as client:
            late = await client.delete(b["url"], headers=learner(B))
        assert late.status_code == 409


async def test_a_newcomer_never_overtakes_the_line(run_api: AppRunner) -> None:
    async with run_api(capacity_total=2, waiting_room_interval=3600) as api:
        await eventually(lambda: asyncio.sleep(0, api.state.admitter.passes), what="a pass")
        await api.launched(learner(A))
        # Someone took a place a moment ago (another replica): there is room, yet the
        # newcomer goes behind them.
        ahead = await api.state.pool.fetchval(
            """INSERT INTO class_queue (owner, template_slug, blocked_on)
               VALUES ($1, 'alpha', 'capacity') RETURNING id""",
            B,
        )
        newcomer = (await post(api, C)).json()
        assert (newcomer["state"], newcomer["position"]) == ("waiting", 2)

        async def first_admitted() -> Any:
            return (await ticket_state(api, ahead))["state"] == "admitted"

        await eventually(first_admitted, what="the one ahead to be admitted first")
        assert (await ticket_state(api, newcomer["ticket"]))["state"] == "waiting"


async def test_a_template_at_its_own_capacity_holds_back_only_its_launches(
    run_api: AppRunner,
) -> None:
    async with run_api(capacity_per_template={"alpha": 1}) as api:
        await api.launched(learner(A), "alpha")
        waiting = (await post(api, B, "alpha")).json()
        assert (waiting["state"], waiting["blocked_on"]) == ("waiting", "template")
        beta = await post(api, C, "beta")
        assert (beta.status_code, "name" in beta.json()) == (202, True)


async def test_the_line_survives_an_api_restart(run_api: AppRunner) -> None:
    async with run_api(capacity_total=1) as api:
        running = await api.launched(learner(A))
        b = (await post(api, B, key="b-restart")).json()
        c = (await post(api, C)).json()
    # The api is gone; the seat frees while it is down.
    async with run_api(capacity_total=1) as api:
        await free_seat(api, running)

        async def admitted() -> Any:
            row = await ticket_state(api, b["ticket"])
            return row["state"] == "admitted" and row

        row = await eventually(admitted, what="the head of the line to be admitted")
        assert (await get(api, C, c["url"])).json()["position"] == 1
        retried = await post(api, B, key="b-restart")
        assert retried.json()["name"] == row["instance"]
        await api.state.admitter.admit_once()  # a pass over a launch made launches nothing
        assert (
            await api.state.pool.fetchval("SELECT count(*) FROM instances WHERE owner = $1", B) == 1
        )


async def test_two_replicas_admit_each_ticket_once(run_api: AppRunner) -> None:
    learners = [f"l{n}@example.org" for n in range(6)]
    async with run_api(capacity_total=3) as one, run_api(capacity_total=3) as two:
        running = [await one.launched(learner(f"r{n}@example.org")) for n in range(3)]
        tickets = [(await post((one, two)[n % 2], who)).json() for n, who in enumerate(learners)]
        assert [t["position"] for t in tickets] == [1, 2, 3, 4, 5, 6]
        for name in running:
            await one.set_phase(name, "Terminated", terminated_at=datetime.now(UTC))

        # Both replicas move the line at once, again and again (their own admitters too).
        async def three_admitted() -> bool:
            await asyncio.gather(one.state.admitter.admit_once(), two.state.admitter.admit_once())
            return bool(
                await one.state.pool.fetchval(
                    "SELECT count(*) >= 3 FROM class_queue WHERE state = 'admitted'"
                )
            )

        await eventually(three_admitted, what="three tickets to be admitted")
        for _ in range(3):
            await asyncio.gather(one.state.admitter.admit_once(), two.state.admitter.admit_once())
        rows = await one.state.pool.fetch("SELECT owner, state FROM class_queue ORDER BY id")
        assert [r["state"] for r in rows] == ["admitted"] * 3 + ["waiting"] * 3
        per_owner = await one.state.pool.fetch(
            "SELECT owner, count(*) AS n FROM instances WHERE owner LIKE 'l%' GROUP BY owner"
        )
        assert sorted((r["owner"], r["n"]) for r in per_owner) == [(who, 1) for who in learners[:3]]


async def test_the_waiting_room_is_counted_on_metrics(run_api: AppRunner) -> None:
    async with run_api(capacity_total=1) as api:
        running = await api.launched(learner(A))
        b = (await post(api, B)).json()
        await post(api, C)
        async with api.client() as client:
            await client.delete(b["url"], headers=learner(B))
            text = (await client.get("/metrics")).text
        assert 'orchestra_api_waiting_room_length{line="capacity"} 1.0' in text
        assert 'orchestra_api_waiting_room_entered_total{line="capacity"} 2.0' in text
        assert 'orchestra_api_launches_total{outcome="queued",template="alpha"} 2.0' in text
        assert 'orchestra_api_waiting_room_settled_total{outcome="left"} 1.0' in text
        await free_seat(api, running)

        async def admitted() -> Any:
            async with api.client() as client:
                text = (await client.get("/metrics")).text
            return 'orchestra_api_waiting_room_settled_total{outcome="admitted"} 1.0' in text

        await eventually(admitted, what="the admission to be counted")
        assert "@example.org" not in text  # never a per-learner label


async def test_the_learner_hears_their_place_move_live(
    migrated: Database, nats_server: NatsServer, catalog: Catalog
) -> None:
    async with (
        serving(migrated, nats_server, catalog, capacity_total=1) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
    ):
        first = await client.post(
            "/api/v1/instances", json={"template": "alpha"}, headers=learner(A)
        )
        running = first.json()["name"]
        b = (
            await client.post("/api/v1/instances", json={"template": "alpha"}, headers=learner(B))
        ).json()
        c = (
            await client.post("/api/v1/instances", json={"template": "beta"}, headers=learner(C))
        ).json()
        assert (b["position"], c["position"]) == (1, 2)
        async with stream(base, learner(C)) as live:
            # B leaves: C moves up, and hears it.
            await client.delete(b["url"], headers=learner(B))
            kind, data = await asyncio.wait_for(_next_waiting(live), timeout=30)
            assert kind == "waiting"
            assert (data["ticket"], data["state"], data["position"]) == (c["ticket"], "waiting", 1)
            assert (data["class_id"], data["template"], data["owner"]) == (None, "beta", C)
            # The seat frees (sync's write, as in the other tests): C is admitted, and hears it.
            await _terminate(migrated, running)
            kind, data = await asyncio.wait_for(_next_waiting(live), timeout=30)
            assert (data["state"], data["instance"] is not None) == ("admitted", True)


async def _next_waiting(opened: Any) -> tuple[str, dict[str, object]]:
    while True:
        kind, data = await opened.next_event()
        if kind == "waiting":
            return kind, data


async def _terminate(database: Database, name: str) -> None:
    connection = await asyncpg.connect(database.dsn)
    try:
        await connection.execute(
            "UPDATE instances SET phase = 'Terminated', terminated_at = now() WHERE name = $1",
            name,
        )
    finally:
        await connection.close()


async def test_the_cli_says_a_launch_waits_in_line_and_leaves_it(
    migrated: Database,
    nats_server: NatsServer,
    catalog: Catalog,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with serving(migrated, nats_server, catalog, capacity_total=1) as base:

        async def cli(*argv: str) -> tuple[int, str]:
            status = await asyncio.to_thread(run, ["sessions", *argv, "--api", base])
            return status, capsys.readouterr().out

        status, started = await cli("launch", "alpha", "--as", A)
        assert (status, started.startswith("Launched alpha-")) == (0, True)
        status, queued = await cli("launch", "beta", "--as", B)
        assert status == 0
        assert "you are number 1 in line, how long it takes is unknown" in queued
        ticket = int(queued.split("Ticket ")[1].split(";")[0])
        status, left = await cli("leave", str(ticket), "--as", B)
        assert (status, left.strip()) == (0, f"You left the line (ticket {ticket}).")
