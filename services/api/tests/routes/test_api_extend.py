"""Extending: within the template's maxDuration from launch and a number of extensions, atomically."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

from services.api.tests.apis import Api, AppRunner, learner


async def extend(api: Api, name: str, by: str) -> tuple[int, dict[str, object]]:
    async with api.client() as client:
        response = await client.post(
            f"/api/v1/instances/{name}/extend", json={"by": by}, headers=learner()
        )
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    return response.status_code, body


async def extend_events(api: Api) -> list[dict[str, object]]:
    rows = await api.state.pool.fetch(
        "SELECT payload FROM outbox WHERE subject = 'orchestra.commands.extend' ORDER BY id"
    )
    return [json.loads(row["payload"]) for row in rows]


async def test_an_extension_moves_the_deadline_and_publishes_it(api: Api) -> None:
    name = await api.launched(learner(), "alpha")  # 2h of at most 3h
    before = await api.state.pool.fetchval("SELECT expires_at FROM instances WHERE name = $1", name)
    status, body = await extend(api, name, "1h")
    assert status == 200
    after = datetime.fromisoformat(str(body["expires_at"]))
    assert after == before + timedelta(hours=1)
    assert body["extensions"] == 1
    (event,) = await extend_events(api)
    assert event["type"] == "extend.requested"
    assert event["instance"] == name
    assert event["extension"] == 1
    assert datetime.fromisoformat(str(event["expires_at"])) == after


async def test_an_instance_says_how_far_it_can_still_be_extended(run_api: AppRunner) -> None:
    async with run_api(max_extensions=2) as api:
        name = await api.launched(learner(), "alpha")  # 2h of at most 3h
        async with api.client() as client:
            launched = (await client.get(f"/api/v1/instances/{name}", headers=learner())).json()
        created = datetime.fromisoformat(launched["created_at"])
        assert launched["extensions_left"] == 2
        assert datetime.fromisoformat(launched["latest_expires_at"]) == created + timedelta(hours=3)
        status, once = await extend(api, name, "30m")
        assert (status, once["extensions_left"]) == (200, 1)
        status, twice = await extend(api, name, "30m")
        assert (status, twice["extensions_left"]) == (200, 0)
        # 2h + 30m + 30m: at the template's maximum (to the clock's precision), no room left.
        room = datetime.fromisoformat(str(twice["latest_expires_at"])) - datetime.fromisoformat(
            str(twice["expires_at"])
        )
        assert timedelta(0) <= room < timedelta(seconds=1)


async def test_past_the_templates_maximum_from_launch_is_409(api: Api) -> None:
    name = await api.launched(learner(), "alpha")
    status, problem = await extend(api, name, "90m")
    assert status == 409
    assert str(problem["type"]).endswith("/max-duration-exceeded")
    assert problem["max_duration"] == "3h"
    created = await api.state.pool.fetchval(
        "SELECT created_at FROM instances WHERE name = $1", name
    )
    assert datetime.fromisoformat(str(problem["latest_expires_at"])) == created + timedelta(hours=3)
    assert await extend_events(api) == []


async def test_the_number_of_extensions_is_bounded(run_api: AppRunner) -> None:
    async with run_api(max_extensions=1) as api:
        name = await api.launched(learner(), "beta")
        assert (await extend(api, name, "30m"))[0] == 200
        status, problem = await extend(api, name, "30m")
        assert status == 409
        assert str(problem["type"]).endswith("/extensions-exhausted")
        assert problem["max_extensions"] == 1


async def test_ended_ending_or_expired_instances_cannot_be_extended(api: Api) -> None:
    ended = await api.launched(learner(), "alpha")
    await api.set_phase(ended, "Terminated")
    status, problem = await extend(api, ended, "30m")
    assert (status, str(problem["type"]).rsplit("/", 1)[1]) == (409, "instance-ended")

    ending = await api.launched(learner(), "beta")
    async with api.client() as client:
        await client.delete(f"/api/v1/instances/{ending}", headers=learner())
    assert (await extend(api, ending, "30m"))[0] == 409

    expired = await api.launched(learner(), "gamma")
    await api.set_phase(expired, "Ready", expires_at=datetime.now(UTC) - timedelta(minutes=1))
    status, problem = await extend(api, expired, "30m")
    assert status == 409
    assert "expired" in str(problem["detail"])


async def test_a_bad_extension_is_422(api: Api) -> None:
    name = await api.launched(learner(), "alpha")
    for by in ("later", "-1h", "0m"):
        assert (await extend(api, name, by))[0] == 422, by


async def test_concurrent_extensions_never_pass_the_limit_together(run_api: AppRunner) -> None:
    async with run_api(max_extensions=10) as api:
        name = await api.launched(learner(), "beta")  # 1h of at most 4h: room for three 1h
        results = await asyncio.gather(*(extend(api, name, "1h") for _ in range(8)))
        assert sorted(status for status, _ in results) == [200] * 3 + [409] * 5
        row = await api.state.pool.fetchrow(
            "SELECT created_at, expires_at, extensions FROM instances WHERE name = $1", name
        )
        assert row["extensions"] == 3
        assert row["expires_at"] - row["created_at"] <= timedelta(hours=4)
        assert [e["extension"] for e in await extend_events(api)] == [1, 2, 3]
