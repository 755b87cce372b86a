"""Keeping an idle session (owner only, while it runs) and the admins' list of idle sessions."""

import json
from datetime import UTC, datetime, timedelta

from services.api.tests.apis import BOB, Api, admin, learner


async def kept_events(api: Api) -> list[dict[str, object]]:
    rows = await api.state.pool.fetch(
        "SELECT payload FROM outbox WHERE subject = 'orchestra.activity.kept' ORDER BY id"
    )
    return [json.loads(row["payload"]) for row in rows]


async def test_the_owner_keeps_a_running_session_and_expiry_is_told(api: Api) -> None:
    name = await api.launched(learner(), "alpha")
    await api.set_phase(name, "Ready")
    async with api.client() as client:
        response = await client.post(f"/api/v1/instances/{name}/keep", headers=learner())
        assert response.status_code == 202, response.text
        assert response.json()["instance"] == name
        # Nobody else may: another learner finds nothing, an admin is refused.
        stranger = await client.post(f"/api/v1/instances/{name}/keep", headers=learner(BOB))
        assert stranger.status_code == 404
        boss = await client.post(f"/api/v1/instances/{name}/keep", headers=admin())
        assert boss.status_code == 403
    [event] = await kept_events(api)
    assert (event["type"], event["instance"]) == ("activity.kept", name)
    kept_at = datetime.fromisoformat(response.json()["kept_at"])
    assert datetime.fromisoformat(str(event["occurred_at"])) == kept_at


async def test_an_ended_session_cannot_be_kept(api: Api) -> None:
    name = await api.launched(learner(), "alpha")
    await api.set_phase(name, "Terminated")
    async with api.client() as client:
        response = await client.post(f"/api/v1/instances/{name}/keep", headers=learner())
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert await kept_events(api) == []


async def test_admins_see_running_sessions_idle_long_enough_soonest_to_end_first(
    api: Api,
) -> None:
    now = datetime.now(UTC)
    names = [await api.launched(learner(), "alpha"), await api.launched(learner(BOB), "beta")]
    plain = await api.launched(learner(BOB), "gamma")
    for name in (*names, plain):
        await api.set_phase(name, "Ready")
    # As expiry writes them: the first idle 20 minutes (warned), the second 1 minute.
    for name, quiet, warned in ((names[0], 20, True), (names[1], 1, False)):
        since = now - timedelta(minutes=quiet)
        await api.state.pool.execute(
            """INSERT INTO expiry_schedule (instance, owner, revision, idle_timeout_seconds,
                   idle_warning_seconds, last_active_at, idle_warned_for)
               SELECT name, owner, 0, 1800, 300, $2, $3 FROM instances WHERE name = $1""",
            name,
            since,
            since if warned else None,
        )
    await api.state.pool.execute(  # no idle rule: never listed
        "INSERT INTO expiry_schedule (instance, owner, revision, last_active_at) "
        "SELECT name, owner, 0, $2 FROM instances WHERE name = $1",
        plain,
        now - timedelta(hours=1),
    )
    async with api.client() as client:
        recent = await client.get("/api/v1/admin/idle-sessions", headers=admin())
        everyone = await client.get(
            "/api/v1/admin/idle-sessions", params={"quiet_seconds": 0}, headers=admin()
        )
        learners = await client.get("/api/v1/admin/idle-sessions", headers=learner())
    assert learners.status_code == 403
    assert [(s["name"], s["warned"]) for s in recent.json()] == [(names[0], True)]
    assert [s["name"] for s in everyone.json()] == names
    first = recent.json()[0]
    ends = datetime.fromisoformat(first["ends_at"])
    assert ends - datetime.fromisoformat(first["last_active_at"]) == timedelta(minutes=30)
    assert ends - datetime.fromisoformat(first["warning_at"]) == timedelta(minutes=5)


async def test_the_instance_views_carry_the_idle_warning_so_a_reload_keeps_it(api: Api) -> None:
    """The dashboard learns of a warning from the stream, or on load from here."""
    now = datetime.now(UTC)
    warned, quiet = await api.launched(learner(), "alpha"), await api.launched(learner(), "beta")
    plain = await api.launched(learner(), "gamma")
    for name in (warned, quiet, plain):
        await api.set_phase(name, "Ready")
    for name, since, warned_for in (
        (warned, now - timedelta(minutes=26), True),
        (quiet, now - timedelta(minutes=2), False),
    ):
        await api.state.pool.execute(
            """INSERT INTO expiry_schedule (instance, owner, revision, idle_timeout_seconds,
                   idle_warning_seconds, last_active_at, idle_warned_for)
               SELECT name, owner, 0, 1800, 300, $2, $3 FROM instances WHERE name = $1""",
            name,
            since,
            since if warned_for else None,
        )
    async with api.client() as client:
        one = (await client.get(f"/api/v1/instances/{warned}", headers=learner())).json()
        listed = (await client.get("/api/v1/instances", headers=learner())).json()
    assert one["idle"]["warned"] is True
    ends = datetime.fromisoformat(one["idle"]["ends_at"])
    assert ends == datetime.fromisoformat(one["idle"]["last_active_at"]) + timedelta(minutes=30)
    by_name = {body["name"]: body["idle"] for body in listed}
    assert by_name[warned] == one["idle"]
    assert by_name[quiet]["warned"] is False
    assert by_name[plain] is None  # no idle rule
    # Kept (expiry moved the clock): the warning is gone on the next load.
    await api.state.pool.execute(
        "UPDATE expiry_schedule SET last_active_at = $2 WHERE instance = $1", warned, now
    )
    async with api.client() as client:
        again = (await client.get(f"/api/v1/instances/{warned}", headers=learner())).json()
    assert again["idle"]["warned"] is False
    # Once it is ending, there is nothing to keep.
    await api.set_phase(warned, "Terminating")
    async with api.client() as client:
        ending = (await client.get(f"/api/v1/instances/{warned}", headers=learner())).json()
    assert ending["idle"] is None
