"""Classes through the api against real Postgres and NATS (docs/src/content/docs/decisions/0070): a class fills,
its instructor sees it and acts on it, another class's instructor is refused, and the
waiting room queues learners in order, moves as seats free and survives a restart."""

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from services.api.tests.apis import ADA, BOB, Api, AppRunner, eventually, learner
from services.api.tests.routes.test_api_events import serving, stream

from orchestra_devstack.natsservers import NatsServer
from orchestra_devstack.pytest_plugin import Database
from orchestra_shared.catalogs import Catalog

GRACE = "grace@example.org"  # teaches the class under test
HOPPER = "hopper@example.org"  # teaches another class
INSTRUCTORS = "orchestra-instructors"


def instructor(email: str = GRACE) -> dict[str, str]:
    return {"X-Auth-Request-Email": email, "X-Auth-Request-Groups": INSTRUCTORS}


def pupil(n: int) -> dict[str, str]:
    return learner(f"learner{n:02d}@example.org")


async def create_class(
    api: Api, who: dict[str, str] | None = None, **fields: Any
) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "title": "RNA-seq day 1",
        "template": "alpha",
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=8)).isoformat(),
        "expected_size": 5,
        **fields,
    }
    async with api.client() as client:
        response = await client.post("/api/v1/classes", json=body, headers=who or instructor())
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def join(api: Api, who: dict[str, str], code: str) -> httpx.Response:
    async with api.client() as client:
        return await client.post("/api/v1/classes/join", json={"code": code}, headers=who)


async def roster(api: Api, class_id: str, who: dict[str, str] | None = None) -> httpx.Response:
    async with api.client() as client:
        return await client.get(f"/api/v1/classes/{class_id}", headers=who or instructor())


async def outbox(api: Api, kind: str) -> list[dict[str, Any]]:
    rows = await api.state.pool.fetch(
        "SELECT payload FROM outbox WHERE payload->>'type' = $1 ORDER BY id", kind
    )
    return [json.loads(row["payload"]) for row in rows]


async def test_a_class_fills_and_its_instructor_sees_every_learner(api: Api) -> None:
    klass = await create_class(api, session_tag="rnaseq1")
    assert len(klass["join_code"]) == 8
    names = []
    for n in range(6):
        # Codes are typed by people: case and dashes do not matter.
        response = await join(
            api, pupil(n), klass["join_code"].lower()[:4] + "-" + klass["join_code"][4:]
        )
        assert response.status_code == 202, response.text
        body = response.json()
        assert body["state"] == "launched"
        assert body["class"]["id"] == klass["id"]
        names.append(body["instance"]["name"])
    assert all(name.startswith("alpha-rnaseq1-") for name in names)
    assert len(set(names)) == 6
    # A second join gives the same session back, not another one.
    again = await join(api, pupil(0), klass["join_code"])
    assert again.json()["instance"]["name"] == names[0]

    await api.set_phase(names[0], "Ready", ready_at=datetime.now(UTC))
    await api.set_phase(names[1], "Failed", reason="ImagePullBackOff")
    seen = (await roster(api, klass["id"])).json()
    assert [row["learner"] for row in seen["learners"]] == [
        f"learner{n:02d}@example.org" for n in range(6)
    ]
    by_learner = {row["learner"]: row for row in seen["learners"]}
    assert by_learner["learner00@example.org"]["session"]["phase"] == "Ready"
    assert by_learner["learner00@example.org"]["seconds_to_ready"] is not None
    assert by_learner["learner01@example.org"]["session"]["reason"] == "ImagePullBackOff"
    assert seen["phases"] == {"Ready": 1, "Failed": 1, "Requested": 4}


async def test_only_the_class_instructors_see_and_act_on_it(api: Api) -> None:
    klass = await create_class(api)
    await create_class(api, instructor(HOPPER), title="Another class")
    await join(api, learner(ADA), klass["join_code"])
    for who in (instructor(HOPPER), learner(ADA)):
        for method, path, body in (
            ("GET", "", None),
            ("POST", "/extend", {"by": "30m"}),
            ("POST", "/end", None),
            ("POST", "/messages", {"body": "hello"}),
            ("GET", "/report.csv", None),
        ):
            async with api.client() as client:
                response = await client.request(
                    method, f"/api/v1/classes/{klass['id']}{path}", json=body, headers=who
                )
            assert response.status_code == 403, (who, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["type"].endswith("/not-an-instructor")
    # Nobody but admins and instructors creates classes; the join code stays with them.
    async with api.client() as client:
        refused = await client.post(
            "/api/v1/classes", json={"title": "x"} | _times(), headers=learner(BOB)
        )
        listed = await client.get("/api/v1/classes", headers=instructor(HOPPER))
    assert refused.status_code == 403
    assert [k["title"] for k in listed.json()] == ["Another class"]
    # A co-instructor named by group sees it.
    shared = await create_class(api, instructor_groups=["tas"])
    helper = {"X-Auth-Request-Email": "ta@example.org", "X-Auth-Request-Groups": "tas"}
    assert (await roster(api, shared["id"], helper)).status_code == 200


def _times() -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "template": "alpha",
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(),
        "expected_size": 3,
    }


async def test_extend_everyone_then_end_the_class(api: Api) -> None:
    klass = await create_class(api)
    names = [
        (await join(api, pupil(n), klass["join_code"])).json()["instance"]["name"] for n in range(3)
    ]
    async with api.client() as client:
        # alpha: 2h by default, 3h at most: one hour more fits, a second does not.
        extended = await client.post(
            f"/api/v1/classes/{klass['id']}/extend", json={"by": "1h"}, headers=instructor()
        )
        again = await client.post(
            f"/api/v1/classes/{klass['id']}/extend", json={"by": "1h"}, headers=instructor()
        )
    assert extended.status_code == 200, extended.text
    assert extended.json()["done"] == 3
    assert again.json()["done"] == 0
    assert again.json()["refused"] == 3
    assert "maximum" in again.json()["outcomes"][0]["problem"]
    assert sorted(e["instance"] for e in await outbox(api, "extend.requested")) == sorted(names)

    async with api.client() as client:
        ended = await client.post(f"/api/v1/classes/{klass['id']}/end", headers=instructor())
        late = await join(api, pupil(9), klass["join_code"])
    assert ended.json()["done"] == 3
    terminations = await outbox(api, "terminate.requested")
    assert sorted(t["instance"] for t in terminations) == sorted(names)
    assert {(t["reason"], t["requested_by"]) for t in terminations} == {("class-ended", GRACE)}
    assert late.status_code == 409
    assert late.json()["type"].endswith("/class-closed")


async def test_me_says_who_may_create_a_class(api: Api) -> None:
    async with api.client() as client:
        teacher = (await client.get("/api/v1/me", headers=instructor())).json()
        student = (await client.get("/api/v1/me", headers=pupil(0))).json()
    assert (teacher["may_create_classes"], student["may_create_classes"]) == (True, False)


async def test_the_class_report_counts_attendance_and_downloads_as_csv(api: Api) -> None:
    klass = await create_class(api)
    first = (await join(api, pupil(0), klass["join_code"])).json()["instance"]["name"]
    second = (await join(api, pupil(1), klass["join_code"])).json()["instance"]["name"]
    created = await api.state.pool.fetchval(
        "SELECT created_at FROM instances WHERE name = $1", first
    )
    await api.set_phase(first, "Ready", ready_at=created + timedelta(seconds=42))
    await api.set_phase(second, "Failed", reason="Unschedulable")
    async with api.client() as client:
        report = (
            await client.get(f"/api/v1/classes/{klass['id']}/report", headers=instructor())
        ).json()
        download = await client.get(
            f"/api/v1/classes/{klass['id']}/report.csv", headers=instructor()
        )
    assert report["totals"]["attendance"] == 2
    assert report["totals"]["failures"] == 1
    assert report["totals"]["median_ready_seconds"] == 42
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [(r["learner"], r["first_ready_seconds"], r["failure_reasons"]) for r in rows] == [
        ("learner00@example.org", "42.0", ""),
        ("learner01@example.org", "", "Unschedulable"),
    ]


async def test_a_full_class_waits_in_line_and_moves_as_seats_free(api: Api) -> None:
    klass = await create_class(api, seats=2)
    seated = [(await join(api, pupil(n), klass["join_code"])).json() for n in range(2)]
    assert [s["state"] for s in seated] == ["launched", "launched"]
    waiting = [(await join(api, pupil(n), klass["join_code"])).json() for n in range(2, 5)]
    assert [w["state"] for w in waiting] == ["waiting"] * 3
    assert [w["waiting"]["position"] for w in waiting] == [1, 2, 3]
    assert all(w["waiting"]["blocked_on"] == "seats" for w in waiting)
    # Joining again keeps one's place.
    again = (await join(api, pupil(3), klass["join_code"])).json()
    assert again["waiting"]["position"] == 2

    # learner03 gives up; learner04 moves up.
    async with api.client() as client:
        left = await client.delete(f"/api/v1/classes/{klass['id']}/queue/me", headers=pupil(3))
        mine = await client.get(f"/api/v1/classes/{klass['id']}/queue/me", headers=pupil(4))
    assert left.status_code == 204
    assert mine.json()["position"] == 2
    moved = [
        e for e in await outbox(api, "waiting.changed") if e["owner"] == "learner04@example.org"
    ]
    assert [e["position"] for e in moved][-1] == 2

    # A seat frees (sync saw the session end): the first in line gets it, the next moves up.
    await api.set_phase(
        seated[0]["instance"]["name"], "Terminated", terminated_at=datetime.now(UTC)
    )
    api.state.admitter.wake()

    async def admitted() -> Any:
        row = (await roster(api, klass["id"])).json()
        by = {r["learner"]: r for r in row["learners"]}
        # The launch commits before the pass marks the ticket: wait for both.
        settled = "learner02@example.org" not in [p["owner"] for p in row["waiting"]]
        return by["learner02@example.org"]["session"] and settled and row

    row = await eventually(admitted, what="learner02 to be admitted from the line")
    assert [p["owner"] for p in row["waiting"]] == ["learner04@example.org"]
    assert row["waiting"][0]["position"] == 1
    notices = [
        e for e in await outbox(api, "waiting.changed") if e["owner"] == "learner02@example.org"
    ]
    assert notices[-1]["state"] == "admitted"
    assert notices[-1]["instance"].startswith("alpha-")


async def test_capacity_queues_learners_across_a_restart_of_the_api(run_api: AppRunner) -> None:
    async with run_api(capacity_total=1) as api:
        klass = await create_class(api)
        first = (await join(api, pupil(0), klass["join_code"])).json()
        assert first["state"] == "launched"
        queued = [(await join(api, pupil(n), klass["join_code"])).json() for n in (1, 2)]
        assert [(q["state"], q["waiting"]["position"]) for q in queued] == [
            ("waiting", 1),
            ("waiting", 2),
        ]
        assert queued[0]["waiting"]["blocked_on"] == "capacity"
    # The api is gone; the seat frees while it is down.
    async with run_api(capacity_total=1) as api:
        await api.set_phase(
            first["instance"]["name"], "Terminated", terminated_at=datetime.now(UTC)
        )

        async def head_admitted() -> Any:
            return await api.state.pool.fetchrow(
                "SELECT state, instance FROM class_queue WHERE owner = $1 AND state = 'admitted'",
                "learner01@example.org",
            )

        admitted = await eventually(head_admitted, what="the head of the line to be admitted")
        assert admitted["instance"].startswith("alpha-")
        async with api.client() as client:
            place = await client.get(f"/api/v1/classes/{klass['id']}/queue/me", headers=pupil(2))
        assert place.json()["position"] == 1
        # An idempotent pass: passes over a launch already made launch nothing twice.
        await api.state.admitter.admit_once()
        count = await api.state.pool.fetchval(
            "SELECT count(*) FROM instances WHERE owner = $1", "learner01@example.org"
        )
        assert count == 1


async def test_a_class_message_reaches_each_learner_live(
    migrated: Database, nats_server: NatsServer, catalog: Catalog
) -> None:
    async with (
        serving(migrated, nats_server, catalog) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
    ):
        now = datetime.now(UTC)
        klass = (
            await client.post(
                "/api/v1/classes",
                json={"title": "Live class"}
                | _times()
                | {"ends_at": (now + timedelta(hours=2)).isoformat()},
                headers=instructor(),
            )
        ).json()
        assert (
            await client.post(
                "/api/v1/classes/join", json={"code": klass["join_code"]}, headers=learner(ADA)
            )
        ).status_code == 202
        async with stream(base, learner(ADA)) as ada:
            sent = await client.post(
                f"/api/v1/classes/{klass['id']}/messages",
                json={"body": "Open notebook 2, please"},
                headers=instructor(),
            )
            assert sent.json() == {"recipients": 1}
            kind, data = await asyncio.wait_for(_skip_status(ada), timeout=30)
            assert kind == "class-message"
            assert data["body"] == "Open notebook 2, please"
            assert data["class_title"] == "Live class"
            assert data["owner"] == ADA  # one notice per member, streamed to its owner only


async def _skip_status(opened: Any) -> tuple[str, dict[str, object]]:
    while True:
        kind, data = await opened.next_event()
        if kind != "status":
            return kind, data


async def test_the_waiting_room_tables_hold_one_place_per_learner(migrated: Database) -> None:
    connection = await asyncpg.connect(migrated.dsn)
    try:
        await connection.execute(
            """INSERT INTO classes (id, title, template_slug, starts_at, ends_at, expected_size,
                                    session_tag, join_code, created_by)
               VALUES ('c1', 't', 'alpha', now(), now() + interval '1h', 1, 't1', 'bcdfghjk', 'x')"""
        )
        await connection.execute("INSERT INTO class_queue (class_id, owner) VALUES ('c1', 'a')")
        try:
            await connection.execute("INSERT INTO class_queue (class_id, owner) VALUES ('c1', 'a')")
        except asyncpg.UniqueViolationError:
            pass
        else:
            raise AssertionError("a second waiting place for the same learner was accepted")
    finally:
        await connection.close()
