"""History pages, early termination, the admin listing and the launch statistics."""

import json
from datetime import UTC, datetime, timedelta

from services.api.tests.apis import ADA, BOB, Api, admin, learner


async def test_my_history_pages_through_my_ended_instances_newest_first(api: Api) -> None:
    ended = []
    for _ in range(5):
        name = await api.launched(learner(), "alpha")
        await api.set_phase(name, "Terminated")
        ended.append(name)
    await api.launched(learner(), "alpha")  # running: not history
    theirs = await api.launched(learner(BOB), "beta")
    await api.set_phase(theirs, "Terminated")
    seen: list[str] = []
    cursor = None
    async with api.client() as client:
        for _ in range(5):
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/api/v1/history", params=params, headers=learner())).json()
            seen += [item["name"] for item in page["items"]]
            cursor = page["next"]
            if cursor is None:
                break
    assert seen == list(reversed(ended))


async def test_a_forged_cursor_is_422(api: Api) -> None:
    async with api.client() as client:
        for cursor in ("garbage", "W10", "WyJ4IiwgInkiXQ"):
            response = await client.get(
                "/api/v1/history", params={"cursor": cursor}, headers=learner()
            )
            assert response.status_code == 422, cursor
            assert response.json()["type"].endswith("/invalid-request")


async def test_terminating_queues_one_event_and_marks_the_row(api: Api) -> None:
    name = await api.launched(learner(), "alpha")
    async with api.client() as client:
        first = await client.delete(f"/api/v1/instances/{name}", headers=learner())
        again = await client.delete(f"/api/v1/instances/{name}", headers=learner())
    assert first.status_code == again.status_code == 202
    assert first.json()["terminate_requested_at"] is not None
    rows = await api.state.pool.fetch(
        "SELECT payload FROM outbox WHERE subject = 'orchestra.commands.terminate'"
    )
    (event,) = [json.loads(r["payload"]) for r in rows]
    assert (event["reason"], event["requested_by"]) == ("user", ADA)


async def test_an_admin_terminates_with_reason_admin(api: Api) -> None:
    name = await api.launched(learner(), "alpha")
    async with api.client() as client:
        response = await client.delete(f"/api/v1/admin/instances/{name}", headers=admin())
    assert response.status_code == 202
    payload = await api.state.pool.fetchval(
        "SELECT payload FROM outbox WHERE subject = 'orchestra.commands.terminate'"
    )
    assert json.loads(payload)["reason"] == "admin"


async def test_admins_list_everything_filtered_and_paginated(api: Api) -> None:
    a1 = await api.launched(learner(ADA), "alpha")
    a2 = await api.launched(learner(ADA), "beta")
    b1 = await api.launched(learner(BOB), "alpha")
    await api.set_phase(a2, "Ready")
    async with api.client() as client:

        async def names(**params: str) -> list[str]:
            response = await client.get("/api/v1/admin/instances", params=params, headers=admin())
            assert response.status_code == 200, response.text
            return [item["name"] for item in response.json()["items"]]

        assert await names() == [b1, a2, a1]
        assert await names(user="ADA@example.org") == [a2, a1]
        assert await names(template="alpha") == [b1, a1]
        assert await names(phase="Ready") == [a2]
        assert await names(user=ADA, template="alpha", phase="Requested") == [a1]
        first = (
            await client.get("/api/v1/admin/instances", params={"limit": "2"}, headers=admin())
        ).json()
        assert [i["name"] for i in first["items"]] == [b1, a2]
        rest = await names(cursor=first["next"])
        assert rest == [a1]
        bad = await client.get("/api/v1/admin/instances", params={"phase": "Nope"}, headers=admin())
        assert bad.status_code == 422


async def test_stats_group_by_slug_with_times_to_ready_from_sql(api: Api) -> None:
    names = [await api.launched(learner(f"u{i}@example.org"), "alpha") for i in range(4)]
    names.append(await api.launched(learner("u0@example.org"), "beta"))
    for name, seconds in zip(names[:4], (10, 20, 30, 40), strict=True):
        created = await api.state.pool.fetchval(
            "SELECT created_at FROM instances WHERE name = $1", name
        )
        await api.set_phase(name, "Ready", ready_at=created + timedelta(seconds=seconds))
    await api.set_phase(names[3], "Terminated")
    async with api.client() as client:
        response = await client.get("/api/v1/admin/stats", headers=admin())
        later = await client.get(
            "/api/v1/admin/stats",
            params={"since": (datetime.now(UTC) + timedelta(hours=1)).isoformat()},
            headers=admin(),
        )
    by_slug = {row["template"]: row for row in response.json()["templates"]}
    alpha = by_slug["alpha"]
    assert (alpha["launches"], alpha["active"], alpha["unique_users"]) == (4, 3, 4)
    assert alpha["median_seconds_to_ready"] == 25.0
    assert abs(alpha["p95_seconds_to_ready"] - 38.5) < 1e-6
    assert by_slug["beta"]["median_seconds_to_ready"] is None
    assert by_slug["beta"]["launches"] == 1
    later_alpha = {r["template"]: r for r in later.json()["templates"]}["alpha"]
    assert (later_alpha["launches"], later_alpha["active"]) == (0, 3)
