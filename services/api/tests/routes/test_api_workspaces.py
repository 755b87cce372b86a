"""The persistent workspaces' retention rule in the api (docs/src/content/docs/decisions/0062), against real
Postgres: a launch marks the workspace used, a running session keeps it, an unused one is
warned (on the live stream's subject) and only after the warning period asked to be
deleted (the operator's command, in the outbox), "Keep my workspace" starts it again,
and the dashboard's list says when each goes."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from services.api.tests.apis import ADA, BOB, Api, AppRunner, learner, write_catalog

from orchestra_api.workspacing import reap_workspaces
from orchestra_shared.catalogs import Catalog, load_catalog
from orchestra_shared.settings import RetentionSettings

DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The api's test catalog plus one template whose sessions share a per-user workspace."""
    directory: Path = write_catalog(tmp_path_factory.mktemp("catalog"))
    text = (directory / "alpha.yaml").read_text()
    (directory / "notebook.yaml").write_text(
        text.replace("slug: alpha", "slug: notebook").replace("Template Alpha", "Notebook")
        + "storage:\n  size: 1Gi\n  workspace:\n    persist: per-user\n"
    )
    return load_catalog(directory)


async def outbox(api: Api, subject: str) -> list[dict[str, Any]]:
    rows = await api.state.pool.fetch(
        "SELECT payload FROM outbox WHERE subject = $1 ORDER BY id", subject
    )
    return [json.loads(row["payload"]) for row in rows]


async def used(api: Api, owner: str, at: datetime) -> None:
    """Make the workspace's last use ``at`` (as if days had passed)."""
    await api.state.pool.execute(
        "UPDATE workspaces SET last_used_at = $2 WHERE owner = $1", owner, at
    )


async def workspaces(api: Api, who: dict[str, str]) -> list[dict[str, Any]]:
    async with api.client() as client:
        response = await client.get("/api/v1/workspaces", headers=who)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def test_an_unused_workspace_is_warned_then_deleted_and_nothing_else_is(
    api: Api,
) -> None:
    retention = api.settings.retention
    name = await api.launched(learner(ADA), "notebook")
    await api.launched(learner(ADA), "alpha")  # no workspace: never recorded
    kept = await api.launched(learner(BOB), "notebook")
    [mine] = await workspaces(api, learner(ADA))
    assert (mine["template"], mine["template_name"], mine["in_use"]) == (
        "notebook",
        "Notebook",
        True,
    )
    assert await workspaces(api, learner("carol@example.org")) == []
    now = datetime.now(UTC)
    # Ada's session ended 23 days ago: her warning is due now; Bob's still runs (running is
    # using, however old the row).
    ended = now - retention.workspaces + retention.workspace_warning
    await api.set_phase(name, "Terminated", terminated_at=ended)
    for owner in (ADA, BOB):
        await used(api, owner, ended - DAY)
    await api.set_phase(kept, "Ready")

    assert await reap_workspaces(api.state.pool, retention=retention, now=now) == 0
    [warning] = await outbox(api, "orchestra.notices.workspace")
    assert (warning["type"], warning["owner"], warning["template_slug"]) == (
        "workspace.expiring",
        ADA,
        "notebook",
    )
    # The session's end is the last use, not the older row.
    assert datetime.fromisoformat(warning["last_used_at"]) == ended
    deletes_at = datetime.fromisoformat(warning["deletes_at"])
    assert deletes_at == ended + retention.workspaces
    [shown] = await workspaces(api, learner(ADA))
    assert shown["warned"] is True
    assert datetime.fromisoformat(shown["deletes_at"]) == deletes_at
    [bobs] = await workspaces(api, learner(BOB))
    assert (bobs["in_use"], bobs["warned"]) == (True, False)

    # A second round the same day warns nobody again and deletes nothing.
    assert await reap_workspaces(api.state.pool, retention=retention, now=now) == 0
    assert len(await outbox(api, "orchestra.notices.workspace")) == 1
    # Past the period (and the warning's): one deletion asked of the operator, once.
    later = deletes_at + timedelta(seconds=1)
    assert await reap_workspaces(api.state.pool, retention=retention, now=later) == 1
    assert await reap_workspaces(api.state.pool, retention=retention, now=later) == 0
    [command] = await outbox(api, "orchestra.commands.workspace-delete")
    assert (command["type"], command["owner"], command["template_slug"]) == (
        "workspace.delete-requested",
        ADA,
        "notebook",
    )
    assert await workspaces(api, learner(ADA)) == []
    assert [w["template"] for w in await workspaces(api, learner(BOB))] == ["notebook"]


async def test_the_deletion_waits_for_a_warning_period_after_a_late_warning(api: Api) -> None:
    """A reaper that first sees a workspace long past its period warns, and waits."""
    retention = api.settings.retention
    name = await api.launched(learner(ADA), "notebook")
    now = datetime.now(UTC)
    long_ago = now - retention.workspaces - 10 * DAY
    await api.set_phase(name, "Terminated", terminated_at=long_ago)
    await used(api, ADA, long_ago)
    assert await reap_workspaces(api.state.pool, retention=retention, now=now) == 0
    [warning] = await outbox(api, "orchestra.notices.workspace")
    assert datetime.fromisoformat(warning["deletes_at"]) == now + retention.workspace_warning
    almost = now + retention.workspace_warning - timedelta(seconds=1)
    assert await reap_workspaces(api.state.pool, retention=retention, now=almost) == 0
    after = now + retention.workspace_warning
    assert await reap_workspaces(api.state.pool, retention=retention, now=after) == 1


async def test_keeping_or_launching_starts_the_period_again(run_api: AppRunner) -> None:
    retention = RetentionSettings(
        workspaces=timedelta(days=10), workspace_warning=timedelta(days=2)
    )
    async with run_api(retention=retention) as api:
        first = await api.launched(learner(ADA), "notebook")
        now = datetime.now(UTC)
        ended = now - 9 * DAY
        await api.set_phase(first, "Terminated", terminated_at=ended)
        await used(api, ADA, ended)
        await reap_workspaces(api.state.pool, retention=retention, now=now)
        [shown] = await workspaces(api, learner(ADA))
        assert shown["warned"] is True
        async with api.client() as client:
            kept = await client.post("/api/v1/workspaces/notebook/keep", headers=learner())
            assert kept.status_code == 200, kept.text
            # Only one's own: Bob has none of that template, and names nobody else's.
            stranger = await client.post("/api/v1/workspaces/notebook/keep", headers=learner(BOB))
            assert stranger.status_code == 404
            assert stranger.headers["content-type"] == "application/problem+json"
        body = kept.json()
        assert body["warned"] is False
        kept_at = datetime.fromisoformat(body["last_used_at"])
        assert datetime.fromisoformat(body["deletes_at"]) == kept_at + timedelta(days=10)
        # Nothing is deleted at the old deadline, and the next warning is for the new use.
        await reap_workspaces(api.state.pool, retention=retention, now=ended + 10 * DAY + DAY)
        assert await api.state.pool.fetchval("SELECT count(*) FROM workspaces") == 1
        assert await outbox(api, "orchestra.commands.workspace-delete") == []

        # A launch is a use too.
        await used(api, ADA, now - 20 * DAY)
        await api.launched(learner(ADA), "notebook")
        [relaunched] = await workspaces(api, learner(ADA))
        assert datetime.fromisoformat(relaunched["last_used_at"]) > now - DAY
        async with api.client() as client:
            periods = (await client.get("/api/v1/retention", headers=learner())).json()
        assert periods["workspaces_seconds"] == 10 * 86400
        assert periods["workspace_warning_seconds"] == 2 * 86400
