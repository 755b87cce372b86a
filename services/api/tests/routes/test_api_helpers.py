"""An instructor at a learner's workshop, through the api against real Postgres and NATS
(docs/src/content/docs/decisions/0070): the learner's consent or the class's setting is
what lets an instructor of that class in; everyone else is refused in words; the
learner reads who came in; the instructors' class stream is live; /metrics counts it."""

import asyncio
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from services.api.tests.apis import ADA, BOB, GATE_SECRET, Api, admin, learner
from services.api.tests.routes.test_api_classes import (
    HOPPER,
    create_class,
    instructor,
    join,
    outbox,
    roster,
)
from services.api.tests.routes.test_api_events import Stream, publish, serving

from orchestra_devstack.natsservers import NatsServer
from orchestra_devstack.pytest_plugin import Database
from orchestra_shared.catalogs import Catalog
from orchestra_shared.events import StatusChanged
from orchestra_shared.passes import unseal

NAMESPACE = "orchestra-u-0123456789abcdef"


async def ready_member(api: Api, **class_fields: Any) -> tuple[dict[str, Any], str]:
    """A class (taught by GRACE) and ADA's Ready session of it."""
    klass = await create_class(api, **class_fields)
    await create_class(api, instructor(HOPPER), title="Another class")
    joined = await join(api, learner(ADA), klass["join_code"])
    name: str = joined.json()["instance"]["name"]
    await api.set_phase(
        name,
        "Ready",
        url=f"http://{name}.workshops.localhost:8080/",
        namespace=NAMESPACE,
        ready_at=datetime.now(UTC),
    )
    return klass, name


async def open_as(api: Api, name: str, who: dict[str, str]) -> httpx.Response:
    async with api.client() as client:
        return await client.post(f"/api/v1/instances/{name}/open", headers=who)


async def helpers(api: Api, method: str, name: str, who: dict[str, str]) -> httpx.Response:
    async with api.client() as client:
        return await client.request(method, f"/api/v1/instances/{name}/helpers", headers=who)


def refused(response: httpx.Response, status: int, slug: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith(f"/{slug}"), body
    detail: str = body["detail"]
    return detail


async def test_an_instructor_enters_only_while_the_learner_consents(api: Api) -> None:
    klass, name = await ready_member(api)
    # Before consent: the class's instructor is told why, in words.
    assert "has not let instructors" in refused(
        await open_as(api, name, instructor()), 403, "no-consent"
    )
    by_learner = {
        row["learner"]: row for row in (await roster(api, klass["id"])).json()["learners"]
    }
    assert by_learner[ADA]["help"] is False

    granted = await helpers(api, "POST", name, learner(ADA))
    assert granted.status_code == 200, granted.text
    assert granted.json() | {"granted_at": None} == {
        "instance": name,
        "class_id": klass["id"],
        "class_title": klass["title"],
        "consent": True,
        "granted_at": None,
        "without_consent": False,
        "allowed": True,
        "accesses": [],
    }
    again = await helpers(api, "POST", name, learner(ADA))
    assert again.json()["granted_at"] == granted.json()["granted_at"]  # one grant, kept

    opened = await open_as(api, name, instructor())
    assert opened.status_code == 200, opened.text
    (sealed,) = parse_qs(urlsplit(opened.json()["url"]).query)["ticket"]
    ticket = unseal(sealed, GATE_SECRET, purpose="ticket", now=time.time())
    assert (ticket.instance, ticket.subject, ticket.role, ticket.namespace) == (
        name,
        "grace@example.org",
        "instructor",
        NAMESPACE,
    )
    by_learner = {
        row["learner"]: row for row in (await roster(api, klass["id"])).json()["learners"]
    }
    assert by_learner[ADA]["help"] is True

    # Consent is live, yet nobody else gets in: another class's instructor, another
    # learner (the 404 of a missing instance), an admin.
    assert "not a workshop of a class you teach" in refused(
        await open_as(api, name, instructor(HOPPER)), 403, "not-an-instructor"
    )
    refused(await open_as(api, name, learner(BOB)), 404, "not-found")
    refused(await open_as(api, name, admin()), 403, "forbidden")

    revoked = await helpers(api, "DELETE", name, learner(ADA))
    assert revoked.json()["consent"] is False
    assert revoked.json()["allowed"] is False
    refused(await open_as(api, name, instructor()), 403, "no-consent")
    # The instructors' view heard of the join and of both changes of consent.
    changes = [(e["what"], e["owner"]) for e in await outbox(api, "roster.changed")]
    assert changes == [("joined", ADA), ("help", ADA), ("help", ADA)]


async def test_a_class_may_let_its_instructors_in_without_asking(api: Api) -> None:
    klass, name = await ready_member(api, help_without_consent=True)
    assert klass["help_without_consent"] is True
    # The learner is told when they join.
    rejoined = await join(api, learner(ADA), klass["join_code"])
    assert rejoined.json()["class"]["help_without_consent"] is True
    opened = await open_as(api, name, instructor())
    assert opened.status_code == 200, opened.text
    help_now = (await helpers(api, "GET", name, learner(ADA))).json()
    assert (help_now["consent"], help_now["without_consent"], help_now["allowed"]) == (
        False,
        True,
        True,
    )
    # Still only the class's own instructors.
    refused(await open_as(api, name, instructor(HOPPER)), 403, "not-an-instructor")


async def test_only_the_learner_consents_and_only_for_a_class_session(api: Api) -> None:
    _, name = await ready_member(api)
    refused(await helpers(api, "POST", name, learner(BOB)), 404, "not-found")
    refused(await helpers(api, "POST", name, instructor()), 404, "not-found")
    refused(await helpers(api, "POST", name, admin()), 403, "forbidden")
    alone = await api.launched(learner(BOB))
    assert "not launched for a class" in refused(
        await helpers(api, "POST", alone, learner(BOB)), 409, "not-in-a-class"
    )
    refused(await helpers(api, "POST", "no-such-instance", learner(ADA)), 404, "not-found")


async def test_the_learner_sees_who_came_in_and_metrics_count_it(api: Api) -> None:
    klass, name = await ready_member(api, seats=1)
    await helpers(api, "POST", name, learner(ADA))
    # What the gate writes when it redeems an instructor's ticket (its own tests prove it).
    await api.state.pool.execute(
        """INSERT INTO gate_redemptions (ticket_id, instance, expires_at, redeemed_by, role,
                                         redeemed_at)
           VALUES ('t-1', $1, now(), 'grace@example.org', 'instructor', now()),
                  ('t-0', $1, now(), $2, 'owner', now())""",
        name,
        ADA,
    )
    seen = (await helpers(api, "GET", name, learner(ADA))).json()
    assert [(a["by"], a["role"]) for a in seen["accesses"]] == [("grace@example.org", "instructor")]
    # The class is full (one seat): the next learner waits.
    assert (await join(api, learner(BOB), klass["join_code"])).json()["state"] == "waiting"
    refused(await open_as(api, name, instructor(HOPPER)), 403, "not-an-instructor")
    async with api.client() as client:
        text = (await client.get("/metrics")).text
    values = {
        line.split(" ")[0]: float(line.split(" ")[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }
    assert values["orchestra_api_classes_active"] == 2  # this class and HOPPER's
    assert values["orchestra_api_class_members"] == 2
    assert values['orchestra_api_waiting_room_length{line="seats"}'] == 1
    assert values["orchestra_api_helper_accesses"] == 1
    assert values['orchestra_api_helper_opens_total{outcome="refused"}'] == 1
    # No class id, instance name or email ever becomes a label.
    for secret in (klass["id"], name, ADA, "grace@example.org"):
        assert secret not in text


async def _roster_event(opened: Stream) -> dict[str, object]:
    while True:
        kind, data = await opened.next_event()
        if kind == "roster":
            return data


async def test_instructors_see_their_class_live(
    migrated: Database, nats_server: NatsServer, catalog: Catalog
) -> None:
    async with (
        serving(migrated, nats_server, catalog) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
    ):
        made = await client.post(
            "/api/v1/classes",
            json={
                "title": "Live roster",
                "template": "alpha",
                "starts_at": datetime.now(UTC).isoformat(),
                "ends_at": datetime(2099, 1, 1, tzinfo=UTC).isoformat(),
                "expected_size": 3,
            },
            headers=instructor(),
        )
        klass = made.json()
        other = await client.get(
            f"/api/v1/classes/{klass['id']}/events", headers=instructor(HOPPER)
        )
        refused(other, 403, "not-an-instructor")
        refused(
            await client.get(f"/api/v1/classes/{klass['id']}/events", headers=learner(ADA)),
            403,
            "not-an-instructor",
        )
        async with client.stream(
            "GET", f"/api/v1/classes/{klass['id']}/events", headers=instructor()
        ) as response:
            assert response.status_code == 200

            live = Stream(response)
            async for line in live.lines:
                if line == ": connected":
                    break
            joined = await client.post(
                "/api/v1/classes/join", json={"code": klass["join_code"]}, headers=learner(ADA)
            )
            name = joined.json()["instance"]["name"]
            first = await asyncio.wait_for(_roster_event(live), timeout=30)
            assert first == {"class_id": klass["id"], "what": "joined", "learner": ADA}
            # A phase change of a session outside the class reaches nobody here; the
            # class's own does, with its phase.
            alone = (
                await client.post(
                    "/api/v1/instances", json={"template": "beta"}, headers=learner(BOB)
                )
            ).json()["name"]
            await publish(
                nats_server,
                StatusChanged.model_validate(
                    {
                        "instance": alone,
                        "owner": BOB,
                        "phase": "Failed",
                        "transitioned_at": datetime.now(UTC),
                    }
                ),
                StatusChanged.model_validate(
                    {
                        "instance": name,
                        "owner": ADA,
                        "phase": "Failed",
                        "reason": "ImagePullBackOff",
                        "transitioned_at": datetime.now(UTC),
                    }
                ),
            )
            failed = await asyncio.wait_for(_roster_event(live), timeout=30)
            assert failed == {
                "class_id": klass["id"],
                "what": "status",
                "learner": ADA,
                "instance": name,
                "phase": "Failed",
            }
            await client.post(f"/api/v1/instances/{name}/helpers", headers=learner(ADA))
            consent = await asyncio.wait_for(_roster_event(live), timeout=30)
            assert (consent["what"], consent["instance"]) == ("help", name)
