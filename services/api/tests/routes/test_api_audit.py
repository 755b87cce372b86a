"""The audit of admin and instructor actions (docs/src/content/docs/decisions/0062), against real Postgres:
each action leaves one entry written with it, learners' own actions leave none, admins
read it filtered and page by page, and its retention rule deletes only what is old."""

from datetime import UTC, datetime, timedelta
from typing import Any

from services.api.tests.apis import ADA, BOB, Api, admin, learner
from services.api.tests.routes.test_api_classes import GRACE, create_class, instructor, join

from orchestra_api.journaling import reap_audit
from orchestra_shared.reaping import DELETED

ROOT = "root@example.org"


async def audit(api: Api, **params: Any) -> list[dict[str, Any]]:
    async with api.client() as client:
        response = await client.get("/api/v1/admin/audit", params=params, headers=admin())
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_an_admin_ending_or_extending_a_learners_session_is_audited(api: Api) -> None:
    mine = await api.launched(learner(ADA))
    theirs = await api.launched(learner(BOB))
    extended = await api.launched(learner(BOB), "beta")
    for name in (mine, theirs, extended):
        await api.set_phase(name, "Ready")
    async with api.client() as client:
        # The learner's own actions are theirs: history tells them, the audit does not.
        assert (await client.delete(f"/api/v1/instances/{mine}", headers=learner())).is_success
        ended = await client.delete(f"/api/v1/admin/instances/{theirs}", headers=admin())
        assert ended.status_code == 202, ended.text
        again = await client.delete(f"/api/v1/admin/instances/{theirs}", headers=admin())
        assert again.status_code == 202  # already ending: answered as it is, no second entry
        longer = await client.post(
            f"/api/v1/instances/{extended}/extend", json={"by": "30m"}, headers=admin()
        )
        assert longer.status_code == 200, longer.text
    entries = await audit(api)
    assert [(e["action"], e["target"], e["actor"], e["subject"]) for e in entries] == [
        ("instance.extend", extended, ROOT, BOB),
        ("instance.terminate", theirs, ROOT, BOB),
    ]
    assert entries[0]["role"] == "admin"
    assert entries[0]["details"]["by"] == "30m"
    assert datetime.fromisoformat(entries[0]["details"]["expires_at"]) == datetime.fromisoformat(
        longer.json()["expires_at"]
    )


async def test_an_instructors_class_actions_are_audited(api: Api) -> None:
    klass = await create_class(api, expected_size=3)
    for who in (learner(ADA), learner(BOB)):
        assert (await join(api, who, klass["join_code"])).status_code == 202
    async with api.client() as client:
        base = f"/api/v1/classes/{klass['id']}"
        extend = await client.post(f"{base}/extend", json={"by": "30m"}, headers=instructor())
        assert extend.status_code == 200, extend.text
        said = await client.post(f"{base}/messages", json={"body": "Break!"}, headers=instructor())
        assert said.status_code == 202, said.text
        ended = await client.post(f"{base}/end", headers=instructor())
        assert ended.status_code == 200, ended.text
    entries = await audit(api, target=klass["id"])
    assert [e["action"] for e in entries] == [
        "class.end",
        "class.message",
        "class.extend",
        "class.extend",
        "class.create",
    ]
    assert {e["actor"] for e in entries} == {GRACE}
    assert {e["role"] for e in entries} == {"instructor"}
    assert {e["subject"] for e in entries if e["action"] == "class.extend"} == {ADA, BOB}
    assert entries[1]["details"] == {"recipients": 2, "body": "Break!"}
    assert entries[-1]["details"]["template"] == "alpha"


async def test_admins_filter_and_page_the_audit_and_nobody_else_reads_it(api: Api) -> None:
    names = [await api.launched(learner(BOB), t) for t in ("alpha", "beta", "gamma")]
    for name in names:
        await api.set_phase(name, "Ready")
        async with api.client() as client:
            ended = await client.delete(f"/api/v1/admin/instances/{name}", headers=admin())
            assert ended.status_code == 202
    await create_class(api)
    async with api.client() as client:
        first = await client.get(
            "/api/v1/admin/audit",
            params={"action": "instance.terminate", "limit": 2},
            headers=admin(),
        )
        page = first.json()
        second = await client.get(
            "/api/v1/admin/audit",
            params={"action": "instance.terminate", "limit": 2, "cursor": page["next"]},
            headers=admin(),
        )
        refused = await client.get("/api/v1/admin/audit", headers=instructor())
        bad_action = await client.get(
            "/api/v1/admin/audit", params={"action": "drop"}, headers=admin()
        )
        bad_cursor = await client.get(
            "/api/v1/admin/audit", params={"cursor": "x'; --"}, headers=admin()
        )
        naive = await client.get(
            "/api/v1/admin/audit", params={"since": "2026-01-01T00:00:00"}, headers=admin()
        )
    assert [e["target"] for e in page["items"]] == names[::-1][:2]
    assert [e["target"] for e in second.json()["items"]] == names[:1]
    assert second.json()["next"] is None
    assert refused.status_code == 403
    for response in (bad_action, bad_cursor, naive):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert [e["action"] for e in await audit(api, actor=GRACE)] == ["class.create"]
    assert len(await audit(api, subject=BOB)) == 3
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert await audit(api, since=future) == []
    assert len(await audit(api, until=future)) == 4


async def test_the_audit_keeps_entries_for_its_period_and_counts_what_it_deletes(
    api: Api,
) -> None:
    name = await api.launched(learner(BOB))
    await api.set_phase(name, "Ready")
    async with api.client() as client:
        assert (await client.delete(f"/api/v1/admin/instances/{name}", headers=admin())).is_success
    await create_class(api)
    now = datetime.now(UTC)
    keep_for = api.settings.retention.audit
    # The termination is made old: past the period by a day; the class is kept.
    await api.state.pool.execute(
        "UPDATE audit_entries SET occurred_at = $1 WHERE action = 'instance.terminate'",
        now - keep_for - timedelta(days=1),
    )
    before = DELETED.labels("audit")._value.get()
    assert await reap_audit(api.state.pool, keep_for=keep_for, now=now, batch=1) == 1
    assert await reap_audit(api.state.pool, keep_for=keep_for, now=now, batch=1) == 0
    assert DELETED.labels("audit")._value.get() - before == 1
    assert [e["action"] for e in await audit(api)] == ["class.create"]
