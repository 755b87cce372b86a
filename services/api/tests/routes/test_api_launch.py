"""Launching: templates, durations, limits, capacity, idempotency, and the row it stamps."""

import asyncio
import json

from services.api.tests.apis import ADA, BOB, Api, AppRunner, learner


async def test_a_launch_is_accepted_and_stamps_the_template(api: Api) -> None:
    response = await api.launch(learner(), "alpha", duration="90m")
    assert response.status_code == 202
    assert response.headers["location"] == f"/api/v1/instances/{response.json()['name']}"
    body = response.json()
    assert body["phase"] == "Requested"
    assert body["owner"] == ADA
    assert body["template"] == "alpha"
    assert body["template_name"] == "Template Alpha"
    row = await api.state.pool.fetchrow("SELECT * FROM instances WHERE name = $1", body["name"])
    spec = json.loads(row["resolved_spec"])
    assert spec["template"] == "alpha"
    assert spec["image"] == "registry.example.org/alpha:1.0"
    assert row["requested_duration_seconds"] == 90 * 60
    assert row["max_duration_seconds"] == 3 * 3600
    assert (row["expires_at"] - row["created_at"]).total_seconds() > 89 * 60
    outbox = await api.state.pool.fetch("SELECT subject, payload FROM outbox")
    assert [r["subject"] for r in outbox] == ["orchestra.commands.launch"]
    assert json.loads(outbox[0]["payload"])["instance"] == body["name"]


async def test_the_default_duration_applies_without_one(api: Api) -> None:
    name = await api.launched(learner(), "beta")
    row = await api.state.pool.fetchrow(
        "SELECT requested_duration_seconds FROM instances WHERE name = $1", name
    )
    assert row["requested_duration_seconds"] == 3600


async def test_unknown_and_disabled_templates_are_404(api: Api) -> None:
    for slug in ("nope", "retired"):
        response = await api.launch(learner(), slug)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/not-found")


async def test_bad_or_too_long_durations_are_422(api: Api) -> None:
    for duration, words in [("soon", "duration"), ("0m", "positive"), ("4h", "maximum of 3h")]:
        response = await api.launch(learner(), "alpha", duration=duration)
        assert response.status_code == 422, duration
        assert response.json()["type"].endswith("/invalid-request")
        assert words in response.json()["detail"]
    assert await api.state.pool.fetchval("SELECT count(*) FROM instances") == 0


async def test_malformed_bodies_are_422_problems(api: Api) -> None:
    async with api.client() as client:
        for content in [b"{", b"[]", b'{"template": ""}', b'{"template": "alpha", "x": 1}']:
            response = await client.post(
                "/api/v1/instances",
                content=content,
                headers={**learner(), "content-type": "application/json"},
            )
            assert response.status_code == 422, content
            assert response.headers["content-type"] == "application/problem+json"
            assert "Traceback" not in response.text


async def test_one_active_instance_per_template_then_409_with_it(api: Api) -> None:
    first = await api.launched(learner(), "alpha")
    response = await api.launch(learner(), "alpha")
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("/limit-reached")
    assert problem["rule"] == "per-template"
    assert problem["existing"]["name"] == first
    # Another learner is not affected.
    assert (await api.launch(learner(BOB), "alpha")).status_code == 202


async def test_three_active_instances_in_all_then_409(api: Api) -> None:
    for slug in ("alpha", "beta", "gamma"):
        await api.launched(learner(), slug)
    response = await api.launch(learner(), "delta")
    assert response.status_code == 409
    assert response.json()["rule"] == "per-user"
    assert response.json()["existing"]["owner"] == ADA


async def test_ended_or_ending_instances_do_not_count_against_limits(api: Api) -> None:
    first = await api.launched(learner(), "alpha")
    async with api.client() as client:
        assert (await client.delete(f"/api/v1/instances/{first}", headers=learner())).is_success
    second = await api.launched(learner(), "alpha")  # the first is ending
    await api.set_phase(second, "Terminated")
    await api.launched(learner(), "alpha")


async def test_limits_hold_under_concurrent_launches(api: Api) -> None:
    responses = await asyncio.gather(*(api.launch(learner(), "alpha") for _ in range(8)))
    assert sorted(r.status_code for r in responses) == [202] + [409] * 7
    assert await api.state.pool.fetchval("SELECT count(*) FROM instances") == 1


async def test_platform_capacity_is_429_for_a_client_that_will_not_wait(
    run_api: AppRunner,
) -> None:
    async with run_api(capacity_total=2, capacity_retry_after=42) as api:
        await api.launched(learner("a@example.org"))
        await api.launched(learner("b@example.org"))
        response = await api.launch(learner("c@example.org"), wait_in_line=False)
        assert response.status_code == 429
        assert response.headers["retry-after"] == "42"
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/capacity-full")
        assert response.json()["rule"] == "capacity"


async def test_template_capacity_is_429_for_that_template_only(run_api: AppRunner) -> None:
    async with run_api(capacity_per_template={"alpha": 1}) as api:
        await api.launched(learner("a@example.org"), "alpha")
        response = await api.launch(learner("b@example.org"), "alpha", wait_in_line=False)
        assert response.status_code == 429
        assert response.json()["rule"] == "template-capacity"
        assert (await api.launch(learner("b@example.org"), "beta")).status_code == 202


async def test_a_retried_launch_with_the_same_key_returns_the_same_instance(api: Api) -> None:
    key = {"Idempotency-Key": "click-1"}
    first = await api.launch({**learner(), **key}, "alpha")
    again = await api.launch({**learner(), **key}, "alpha")
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["name"] == first.json()["name"]
    assert await api.state.pool.fetchval("SELECT count(*) FROM outbox") == 1
    # The key is the learner's own: another learner's same key is another launch.
    other = await api.launch({**learner(BOB), **key}, "alpha")
    assert other.status_code == 202
    assert other.json()["name"] != first.json()["name"]


async def test_concurrent_retries_with_one_key_launch_once(api: Api) -> None:
    who = {**learner(), "Idempotency-Key": "burst"}
    responses = await asyncio.gather(*(api.launch(who, "alpha") for _ in range(10)))
    assert {r.status_code for r in responses} <= {200, 202}
    assert [r.status_code for r in responses].count(202) == 1
    assert len({r.json()["name"] for r in responses}) == 1
    assert await api.state.pool.fetchval("SELECT count(*) FROM instances") == 1
    assert await api.state.pool.fetchval("SELECT count(*) FROM outbox") == 1


async def test_launch_outcomes_are_counted_in_metrics(api: Api) -> None:
    await api.launched(learner(), "alpha")
    await api.launch(learner(), "alpha")
    await api.launch(learner(), "nope")
    async with api.client() as client:
        text = (await client.get("/metrics")).text
    assert 'orchestra_api_launches_total{outcome="accepted",template="alpha"} 1.0' in text
    assert 'orchestra_api_launches_total{outcome="limit",template="alpha"} 1.0' in text
    assert 'orchestra_api_launches_total{outcome="not-found",template="(unknown)"} 1.0' in text
    assert "orchestra_api_outbox_backlog" in text
