"""Warm pools through the api against real Postgres (docs/src/content/docs/decisions/0070): the keeper starts a
class's pool before it starts, a learner who joins claims a Ready one (and only then may
open it), the pool refills per claim, unclaimed instances go at start plus grace, and a
restart of the api with instances warming starts nothing twice."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from services.api.tests.apis import Api, AppRunner, eventually
from services.api.tests.routes.test_api_classes import (
    create_class,
    instructor,
    join,
    outbox,
    pupil,
    roster,
)

from orchestra_api.pooling import Keeper
from orchestra_api.supervising import ClassIndex, nudges
from orchestra_shared import subjects
from orchestra_shared.events import StatusChanged, encode_event


def soon(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


async def warm_rows(api: Api, class_id: str) -> list[dict[str, Any]]:
    rows = await api.state.pool.fetch(
        """SELECT w.name, w.state, w.claimed_by, w.reason, i.owner, i.class_id, i.phase,
                  i.terminate_requested_at
           FROM warm_instances w JOIN instances i ON i.name = w.name
           WHERE w.class_id = $1 ORDER BY w.created_at, w.name""",
        class_id,
    )
    return [dict(row) for row in rows]


async def ready_all(api: Api, class_id: str) -> None:
    """Play sync: every warming instance of the class is Ready."""
    await api.state.pool.execute(
        """UPDATE instances SET phase = 'Ready', ready_at = now(), namespace = 'ns-' || name,
                  url = 'http://' || name || '.example.org/'
           WHERE name IN (SELECT name FROM warm_instances WHERE class_id = $1)
             AND phase = 'Requested'""",
        class_id,
    )


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def later() -> datetime:
    """A start far enough ahead that the app's own keeper (on the real clock) leaves the
    pool alone, so the test's keeper (on a clock of its own) decides alone."""
    return datetime.now(UTC) + timedelta(days=2)


def window(starts: datetime) -> dict[str, Any]:
    return {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=8)).isoformat()}


class keeper_at:  # noqa: N801 - reads as a function in the tests
    """A keeper whose clock says ``at`` (the app's runs on the real one); its pass waits
    for the app's keeper to finish one of its own (they share the pass lock)."""

    def __init__(self, api: Api, at: datetime) -> None:
        self.keeper = Keeper(
            api.state.pool, api.state.catalog, settings=api.settings, clock=lambda: at
        )

    async def tend_once(self) -> tuple[int, int]:
        while True:
            done = await self.keeper.tend_once()
            if done is not None:
                return done
            await asyncio.sleep(0.05)


async def test_a_class_pool_is_set_when_created_and_refused_for_workspace_templates(
    api: Api,
) -> None:
    klass = await create_class(api, expected_size=12, warm_pool={"lead_minutes": 30})
    assert klass["warm_pool"] == {"size": 12, "lead_minutes": 30, "grace_minutes": 15}
    explicit = await create_class(api, warm_pool={"size": 3, "grace_minutes": 5})
    assert explicit["warm_pool"]["size"] == 3
    assert (await create_class(api))["warm_pool"] is None
    async with api.client() as client:
        too_many = await client.post(
            "/api/v1/classes",
            json={
                "title": "huge",
                "template": "alpha",
                "starts_at": soon(60),
                "ends_at": soon(600),
                "expected_size": 5,
                "warm_pool": {"size": 100000},
            },
            headers={
                "X-Auth-Request-Email": "grace@example.org",
                "X-Auth-Request-Groups": "orchestra-instructors",
            },
        )
    assert too_many.status_code == 422
    assert too_many.headers["content-type"].startswith("application/problem+json")


async def test_the_pool_starts_before_the_class_and_a_join_claims_a_ready_one(api: Api) -> None:
    starts = later()
    klass = await create_class(
        api,
        **window(starts),
        expected_size=3,
        warm_pool={"size": 2, "lead_minutes": 20},
    )
    # Too early: nothing starts before starts_at - lead.
    assert await keeper_at(api, starts - timedelta(minutes=30)).tend_once() == (0, 0)
    assert await warm_rows(api, klass["id"]) == []

    assert await keeper_at(api, starts - timedelta(minutes=19)).tend_once() == (2, 0)
    warm = await warm_rows(api, klass["id"])
    assert [w["owner"] for w in warm] == [f"pool:{klass['id']}"] * 2
    assert {w["class_id"] for w in warm} == {None}  # not a session of the class yet
    launches = [e for e in await outbox(api, "launch.requested") if e["owner"].startswith("pool:")]
    assert sorted(e["instance"] for e in launches) == sorted(w["name"] for w in warm)
    assert all(e["idle_timeout_seconds"] is None for e in launches)
    # A second pass, or another replica's, starts nothing more.
    assert await keeper_at(api, starts - timedelta(minutes=18)).tend_once() == (0, 0)

    # Not Ready yet: a learner who joins gets a normal launch.
    early = (await join(api, pupil(0), klass["join_code"])).json()
    assert early["instance"]["name"] not in {w["name"] for w in warm}

    await ready_all(api, klass["id"])
    # Before the claim nobody may open a warm instance, not even the learner who gets it.
    async with api.client() as client:
        for w in warm:
            refused = await client.get(f"/api/v1/instances/{w['name']}/open", headers=pupil(1))
            assert refused.status_code == 404, refused.text

    joined = (await join(api, pupil(1), klass["join_code"])).json()
    assert joined["state"] == "launched"
    claimed = joined["instance"]
    assert claimed["name"] in {w["name"] for w in warm}
    assert claimed["phase"] == "Ready"  # at once
    assert claimed["owner"] == "learner01@example.org"
    row = next(w for w in await warm_rows(api, klass["id"]) if w["name"] == claimed["name"])
    assert (row["state"], row["claimed_by"], row["class_id"]) == (
        "claimed",
        "learner01@example.org",
        klass["id"],
    )
    (claim,) = await outbox(api, "claim.requested")
    assert claim["instance"] == claimed["name"]
    assert claim["owner"] == "learner01@example.org"
    assert claim["pool_owner"] == f"pool:{klass['id']}"
    assert instant(claim["expires_at"]) == instant(claimed["expires_at"])

    async with api.client() as client:
        mine = await client.get(f"/api/v1/instances/{claimed['name']}/open", headers=pupil(1))
        assert mine.status_code == 303, mine.text
        theirs = await client.get(f"/api/v1/instances/{claimed['name']}/open", headers=pupil(2))
        assert theirs.status_code == 404
    # The learner joins again: the same session, not a second claim.
    again = (await join(api, pupil(1), klass["join_code"])).json()
    assert again["instance"]["name"] == claimed["name"]
    assert len(await outbox(api, "claim.requested")) == 1

    metrics = await _metrics(api)
    assert 'orchestra_api_warm_instances{state="claimed"} 1.0' in metrics
    assert 'orchestra_api_warm_instances{state="ready"} 1.0' in metrics
    assert 'orchestra_api_launches_total{outcome="claimed",template="alpha"} 1.0' in metrics


async def _metrics(api: Api) -> str:
    async with api.client() as client:
        return (await client.get("/metrics")).text


async def test_concurrent_joins_never_claim_the_same_instance(api: Api) -> None:
    starts = later()
    klass = await create_class(api, **window(starts), expected_size=12, warm_pool={"size": 4})
    await keeper_at(api, starts - timedelta(minutes=1)).tend_once()
    await ready_all(api, klass["id"])
    answers = await asyncio.gather(*(join(api, pupil(n), klass["join_code"]) for n in range(12)))
    bodies = [a.json() for a in answers]
    names = [b["instance"]["name"] for b in bodies]
    owners = [b["instance"]["owner"] for b in bodies]
    assert len(set(names)) == 12
    assert sorted(owners) == sorted(f"learner{n:02d}@example.org" for n in range(12))
    warm = await warm_rows(api, klass["id"])
    claimed = [w for w in warm if w["state"] == "claimed"]
    assert len(claimed) == 4
    assert len({w["claimed_by"] for w in claimed}) == 4
    for w in claimed:
        assert w["owner"] == w["claimed_by"]


async def test_the_pool_refills_per_claim_then_unclaimed_ones_go_at_start_plus_grace(
    api: Api,
) -> None:
    starts = later()
    klass = await create_class(
        api,
        **window(starts),
        expected_size=3,
        warm_pool={"size": 2, "grace_minutes": 10},
    )
    at = starts - timedelta(minutes=1)
    await keeper_at(api, at).tend_once()
    await ready_all(api, klass["id"])
    (await join(api, pupil(0), klass["join_code"])).json()
    # One claimed, one started in its place.
    assert await keeper_at(api, at).tend_once() == (1, 0)
    await ready_all(api, klass["id"])
    await join(api, pupil(1), klass["join_code"])
    # Two claims of three expected: one more may come, so one stays warm, none is added.
    assert await keeper_at(api, at).tend_once() == (0, 0)
    states = sorted(w["state"] for w in await warm_rows(api, klass["id"]))
    assert states == ["claimed", "claimed", "warming"]

    # A warm instance that fails is replaced.
    failing = next(w for w in await warm_rows(api, klass["id"]) if w["state"] == "warming")
    await api.set_phase(failing["name"], "Failed")
    assert await keeper_at(api, at).tend_once() == (1, 1)
    lost = next(w for w in await warm_rows(api, klass["id"]) if w["name"] == failing["name"])
    assert lost["state"] == "discarded"

    # Start plus grace: what nobody claimed is ended, with its reason; claimed ones stay.
    assert await keeper_at(api, starts + timedelta(minutes=10)).tend_once() == (0, 1)
    rows = await warm_rows(api, klass["id"])
    unclaimed = [w for w in rows if w["state"] == "discarded" and w["name"] != failing["name"]]
    assert len(unclaimed) == 1
    assert unclaimed[0]["terminate_requested_at"] is not None
    ends = {
        e["instance"]: e["reason"]
        for e in await outbox(api, "terminate.requested")
        if e["owner"].startswith("pool:")
    }
    assert ends[unclaimed[0]["name"]] == "pool-unclaimed"
    assert all(w["terminate_requested_at"] is None for w in rows if w["state"] == "claimed")
    # Past the window nothing starts again.
    assert await keeper_at(api, starts + timedelta(minutes=11)).tend_once() == (0, 0)


async def test_a_restart_of_the_api_with_instances_warming_starts_nothing_twice(
    run_api: AppRunner,
) -> None:
    starts = datetime.now(UTC) + timedelta(minutes=5)
    async with run_api(warm_pool_interval=0.2) as api:
        klass = await create_class(
            api, starts_at=starts.isoformat(), expected_size=6, warm_pool={"size": 3}
        )

        async def warming() -> Any:
            rows = await warm_rows(api, klass["id"])
            return rows if len(rows) == 3 else None

        first = await eventually(warming, what="the app's keeper to start the pool")
    # The api is gone while they warm; sync sees them Ready meanwhile.
    async with run_api(warm_pool_interval=0.2) as api:
        await ready_all(api, klass["id"])
        passes = api.state.keeper.passes
        await eventually(
            lambda: asyncio.sleep(0, api.state.keeper.passes > passes + 1),
            what="two passes of the new keeper",
        )
        again = await warm_rows(api, klass["id"])
        assert [w["name"] for w in again] == [w["name"] for w in first]
        joined = (await join(api, pupil(0), klass["join_code"])).json()
        assert joined["instance"]["name"] in {w["name"] for w in first}

        async def refilled() -> Any:
            return len(await warm_rows(api, klass["id"])) == 4

        await eventually(refilled, what="the claim's replacement")


async def test_a_claimed_session_counts_from_the_claim_in_the_report_and_the_roster(
    api: Api,
) -> None:
    starts = later()
    klass = await create_class(api, **window(starts), expected_size=3, warm_pool={"size": 1})
    await keeper_at(api, starts - timedelta(minutes=1)).tend_once()
    (warm,) = await warm_rows(api, klass["id"])
    # The warm instance started half an hour before the claim and was Ready 5 min later.
    await api.state.pool.execute(
        """UPDATE instances SET phase = 'Ready', created_at = now() - interval '30 minutes',
                  ready_at = now() - interval '25 minutes'
           WHERE name = $1""",
        warm["name"],
    )
    claimed = (await join(api, pupil(0), klass["join_code"])).json()["instance"]["name"]
    assert claimed == warm["name"]
    claimed_at = await api.state.pool.fetchval(
        "SELECT settled_at FROM warm_instances WHERE name = $1", claimed
    )
    # A normal launch of the same class still counts from its own start.
    launched = (await join(api, pupil(1), klass["join_code"])).json()["instance"]["name"]
    created = await api.state.pool.fetchval(
        "SELECT created_at FROM instances WHERE name = $1", launched
    )
    await api.set_phase(launched, "Ready", ready_at=created + timedelta(seconds=42))

    async with api.client() as client:
        report = (
            await client.get(f"/api/v1/classes/{klass['id']}/report", headers=instructor())
        ).json()
        seen = (await roster(api, klass["id"])).json()
    lines = {line["learner"]: line for line in report["learners"]}
    mine = lines["learner00@example.org"]
    assert mine["first_ready_seconds"] == 0  # Ready before the claim: Ready at the join
    generated = instant(report["generated_at"])
    assert mine["session_seconds"] == (generated - claimed_at).total_seconds()
    assert lines["learner01@example.org"]["first_ready_seconds"] == 42
    assert report["totals"]["median_ready_seconds"] == 21

    by_learner = {row["learner"]: row for row in seen["learners"]}
    assert by_learner["learner00@example.org"]["seconds_to_ready"] == 0
    assert by_learner["learner01@example.org"]["seconds_to_ready"] == 42
    # The instructor sees the pool: the claimed one; its replacement is not started yet.
    assert seen["warm_instances"] == {"claimed": 1}


async def test_a_warm_instances_phases_reach_its_class_instructors(api: Api) -> None:
    """Before any learner claims it, a warm instance has no class of its own; its phase
    changes must still move the instructor's view (the pool's line there)."""
    starts = later()
    klass = await create_class(
        api, **window(starts), expected_size=2, warm_pool={"size": 1, "lead_minutes": 20}
    )
    assert await keeper_at(api, starts - timedelta(minutes=19)).tend_once() == (1, 0)
    [warm] = await warm_rows(api, klass["id"])
    assert warm["class_id"] is None
    status = StatusChanged.model_validate(
        {
            "instance": warm["name"],
            "owner": warm["owner"],
            "phase": "Ready",
            "transitioned_at": datetime.now(UTC),
        }
    )
    notices = await nudges(
        subjects.STATUS_CHANGED, encode_event(status), 1, index=ClassIndex(api.state.pool)
    )
    assert [(n.class_id, json.loads(n.data)["what"]) for n in notices] == [(klass["id"], "status")]
