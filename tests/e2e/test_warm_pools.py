"""Warm pools end to end through the whole stack (docs/src/content/docs/decisions/0070).

A class of 30 learners with a warm pool of 10: the pool starts before the class (across
a restart of the api and of the operator while it warms, with another class's learner
waiting in the waiting room meanwhile), 30 learners join at once, 10 get a claimed warm
instance that is Ready at once and the rest a normal launch, nobody gets another's pod
(distinct instances, namespaces and owners), and each learner's open ticket lets them into
their own workshop only. Correctness only: nothing here is timed.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from orchestra_devstack.standin.browsing import browser
from tests.e2e.stacking import as_learner, instance, running_stack, wait_for

# Above the sum of the waits below plus starting and stopping the stack (a minute or
# more each on a loaded machine): the bound only catches a hang.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(480)]
INSTRUCTOR = {
    "X-Auth-Request-Email": "grace@example.org",
    "X-Auth-Request-Groups": "orchestra-instructors",
}
LEARNERS = [f"learner{n:02d}@example.org" for n in range(30)]


def class_body(title: str, **fields: Any) -> dict[str, Any]:
    starts = datetime.now(UTC) + timedelta(minutes=5)
    return {
        "title": title,
        "template": "jupyter",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        **fields,
    }


def same_deadline(row: Any) -> bool:
    """The cluster's deadline (sync's record) is the learner's (the api's)."""
    recorded = row["cluster_expires_at"]
    return recorded is not None and abs((recorded - row["expires_at"]).total_seconds()) < 1


async def warm_ready(api: httpx.AsyncClient) -> float:
    metrics = (await api.get("/metrics")).text
    for line in metrics.splitlines():
        if line.startswith('orchestra_api_warm_instances{state="ready"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_thirty_learners_join_a_class_with_a_warm_pool_of_ten() -> None:
    async with (
        running_stack(
            kubelet_delay=0.5,
            service_env={"api": {"ORCHESTRA_API_WARM_POOL_INTERVAL": "0.5"}},
        ) as stack,
        httpx.AsyncClient(base_url=stack.api_url, timeout=30) as api,
    ):
        created = await api.post(
            "/api/v1/classes",
            json=class_body("Pooled", expected_size=30, warm_pool={"size": 10}),
            headers=INSTRUCTOR,
        )
        assert created.status_code == 201, created.text
        klass = created.json()
        # Another class with one seat: its second learner waits in line across the restarts.
        small = (
            await api.post(
                "/api/v1/classes",
                json=class_body("Small", expected_size=2, seats=1),
                headers=INSTRUCTOR,
            )
        ).json()
        seated = (
            await api.post(
                "/api/v1/classes/join",
                json={"code": small["join_code"]},
                headers=as_learner("seated@example.org"),
            )
        ).json()
        waiting = (
            await api.post(
                "/api/v1/classes/join",
                json={"code": small["join_code"]},
                headers=as_learner("waiting@example.org"),
            )
        ).json()
        assert waiting["state"] == "waiting", waiting

        # The pool is warming (or done): the api and the operator go down and come back.
        await asyncio.gather(stack.service("operator").restart(), stack.service("api").restart())
        await wait_for(
            lambda: warm_ready(api), until=lambda n: n == 10, timeout=90, what="10 ready"
        )
        # The seat frees; the line moves though both were restarted.
        ended = await api.delete(
            f"/api/v1/instances/{seated['instance']['name']}",
            headers=as_learner("seated@example.org"),
        )
        assert ended.status_code in (200, 202), ended.text

        async def admitted() -> dict[str, Any]:
            # Joining again answers the session the line gave, or the place still held.
            response = await api.post(
                "/api/v1/classes/join",
                json={"code": small["join_code"]},
                headers=as_learner("waiting@example.org"),
            )
            body: dict[str, Any] = response.json()
            return body

        await wait_for(
            admitted, until=lambda b: b.get("state") == "launched", timeout=60, what="admission"
        )

        answers = await asyncio.gather(
            *(
                api.post(
                    "/api/v1/classes/join",
                    json={"code": klass["join_code"]},
                    headers=as_learner(email),
                )
                for email in LEARNERS
            )
        )
        bodies = [a.json() for a in answers]
        assert all(a.status_code == 202 for a in answers), bodies
        sessions = {email: b["instance"] for email, b in zip(LEARNERS, bodies, strict=True)}
        assert all(s is not None for s in sessions.values()), bodies
        assert len({s["name"] for s in sessions.values()}) == 30
        assert all(s["owner"] == email for email, s in sessions.items())
        ready_at_once = [email for email, s in sessions.items() if s["phase"] == "Ready"]
        assert len(ready_at_once) >= 10

        async def phases() -> list[str]:
            bodies = await asyncio.gather(
                *(instance(api, s["name"], email) for email, s in sessions.items())
            )
            return [body["phase"] for body in bodies]

        await wait_for(
            phases, until=lambda seen: set(seen) == {"Ready"}, timeout=90, what="30 Ready"
        )

        db = await asyncpg.connect(stack.postgres.dsn)
        try:
            rows = await db.fetch(
                """SELECT i.name, i.owner, i.namespace, i.expires_at, i.cluster_expires_at,
                          w.state AS warm_state, w.claimed_by
                   FROM instances i LEFT JOIN warm_instances w ON w.name = i.name
                   WHERE i.owner = ANY($1::text[])""",
                LEARNERS,
            )
        finally:
            await db.close()
        by_name = {row["name"]: row for row in rows}
        claimed = [row for row in rows if row["warm_state"] == "claimed"]
        assert len(claimed) >= 10
        assert len(claimed) == len({row["claimed_by"] for row in claimed})
        assert {email for email, s in sessions.items() if by_name[s["name"]]["warm_state"]} >= set(
            ready_at_once
        )
        # Pods of two learners never share a namespace: warm ones each have their own.
        warm_namespaces = [row["namespace"] for row in claimed]
        assert len(set(warm_namespaces)) == len(claimed)
        assert all(ns.startswith("orchestra-pool-") for ns in warm_namespaces)
        assert not set(warm_namespaces) & {
            row["namespace"] for row in rows if row["warm_state"] is None
        }
        assert all(row["claimed_by"] == row["owner"] for row in claimed)

        async def recorded() -> list[Any]:
            db = await asyncpg.connect(stack.postgres.dsn)
            try:
                return list(
                    await db.fetch(
                        "SELECT expires_at, cluster_expires_at FROM instances WHERE name = ANY($1)",
                        [row["name"] for row in claimed],
                    )
                )
            finally:
                await db.close()

        # Sync recorded each learner's deadline as the cluster has it.
        await wait_for(
            recorded,
            until=lambda rows: all(same_deadline(r) for r in rows),
            timeout=60,
            what="the claimed deadlines in the cluster",
        )

        # Each learner's ticket opens their own workshop only.
        first, second = (sessions[row["owner"]] for row in claimed[:2])
        first_owner, second_owner = first["owner"], second["owner"]
        assert (
            await api.get(
                f"/api/v1/instances/{first['name']}/open", headers=as_learner(second_owner)
            )
        ).status_code == 404
        opened = await api.get(
            f"/api/v1/instances/{first['name']}/open", headers=as_learner(first_owner)
        )
        assert opened.status_code == 303, opened.text
        ticket = opened.headers["location"]
        elsewhere = ticket.replace(first["name"], second["name"], 1)
        async with browser() as client, client.get(elsewhere, allow_redirects=False) as response:
            assert response.status in (302, 303, 403)
            assert response.status != 200
        async with browser() as client, client.get(ticket) as response:
            assert response.status == 200
            assert f"Workshop <code>{first['name']}</code>" in await response.text()
