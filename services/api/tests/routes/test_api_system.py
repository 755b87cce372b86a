"""Health, readiness, metrics, the catalog routes, errors as problems, and the OpenAPI document."""

from collections import Counter
from pathlib import Path
from typing import Any

from services.api.tests.apis import Api, admin, eventually, learner


async def test_health_and_readiness(api: Api) -> None:
    async with api.client() as client:
        assert (await client.get("/healthz")).json() == {"status": "ok", "checks": {}}

        async def readiness() -> Any:
            answer = (await client.get("/readyz")).json()
            return answer if answer["checks"].get("nats") == "ok" else None

        # The event hub connects in the background; readiness reports it once it has.
        ready = await eventually(readiness, what="the api to report NATS")
    assert ready["checks"] == {"catalog": 5, "postgres": "ok", "nats": "ok"}


async def test_metrics_are_prometheus_text(api: Api) -> None:
    async with api.client() as client:
        response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE orchestra_api_launches_total counter" in response.text
    assert "orchestra_api_outbox_backlog 0.0" in response.text


async def test_disabled_templates_are_hidden_from_learners_and_shown_to_admins(api: Api) -> None:
    async with api.client() as client:
        mine = (await client.get("/api/v1/templates", headers=learner())).json()
        everything = (await client.get("/api/v1/templates", headers=admin())).json()
        hidden = await client.get("/api/v1/templates/retired", headers=learner())
        shown = await client.get("/api/v1/templates/retired", headers=admin())
        one = (await client.get("/api/v1/templates/alpha", headers=learner())).json()
    assert [t["slug"] for t in mine] == ["alpha", "beta", "delta", "gamma"]
    assert [t["slug"] for t in everything] == ["alpha", "beta", "delta", "gamma", "retired"]
    assert hidden.status_code == 404
    assert hidden.json()["type"].endswith("/not-found")
    assert shown.json()["enabled"] is False
    assert (one["default_duration"], one["max_duration"]) == ("2h", "3h")


async def test_admins_read_the_catalog_as_its_files_learners_may_not(
    api: Api, catalog_dir: Path
) -> None:
    async with api.client() as client:
        sources = (await client.get("/api/v1/admin/templates", headers=admin())).json()
        refused = await client.get("/api/v1/admin/templates", headers=learner())
    assert [(s["slug"], s["file"]) for s in sources] == [
        (slug, f"{slug}.yaml") for slug in ("alpha", "beta", "delta", "gamma", "retired")
    ]
    for source in sources:
        assert source["yaml"] == (catalog_dir / source["file"]).read_text()
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"


async def test_unknown_paths_and_methods_are_problems(api: Api) -> None:
    async with api.client() as client:
        missing = await client.get("/api/v1/nothing-here", headers=learner())
        wrong = await client.put("/api/v1/instances", headers=learner())
    assert (missing.status_code, wrong.status_code) == (404, 405)
    for response in (missing, wrong):
        assert response.headers["content-type"] == "application/problem+json"
    assert wrong.json()["type"].endswith("/method-not-allowed")


async def test_an_unexpected_failure_is_a_500_problem_without_a_trace(api: Api) -> None:
    await api.state.pool.execute("ALTER TABLE instances RENAME TO instances_gone")
    async with api.client(raise_app_exceptions=False) as client:
        response = await client.get("/api/v1/instances", headers=learner())
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/internal")
    assert "instances_gone" not in response.text
    assert "Traceback" not in response.text


async def test_every_operation_has_a_unique_id_and_documented_problems(api: Api) -> None:
    async with api.client() as client:
        document = (await client.get("/openapi.json")).json()
    operations = [
        (path, method, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    ids = [operation.get("operationId") for _, _, operation in operations]
    assert all(ids), [(p, m) for p, m, o in operations if not o.get("operationId")]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert "ProblemBody" in document["components"]["schemas"]
    for path, method, operation in operations:
        if path.startswith("/api/"):
            assert "401" in operation["responses"], (path, method)
            problem = operation["responses"]["401"]["content"]["application/problem+json"]
            assert problem["schema"]["$ref"] == "#/components/schemas/ProblemBody"
    examples = document["components"]["schemas"]
    for name in ("LaunchBody", "ExtendBody", "InstanceBody", "ProblemBody"):
        assert examples[name].get("examples"), name
    expected = {
        "launchInstance", "listMyInstances", "getInstance", "terminateInstance",
        "extendInstance", "getInstanceHistory", "listMyEndedInstances", "streamMyEvents",
        "whoAmI", "listTemplates", "getTemplate", "adminListInstances", "adminLaunchStats",
        "adminTerminateInstance", "adminListTemplates", "health", "ready", "metrics",
        "openInstance", "openInstanceRedirect", "keepInstance", "adminListIdleSessions",
        "createClass", "listClassesTaught", "listClassesJoined", "joinClass", "getMyPlace",
        "leaveQueue", "getClassRoster", "extendClass", "endClass", "messageClass",
        "getClassReport", "getClassReportCsv", "exportInstance", "listArchives", "downloadArchive",
        "getRetention", "getHelp", "grantHelp", "revokeHelp", "streamClassEvents",
        "listMyWorkspaces", "keepWorkspace", "adminListAudit",
        "listMyPlaces", "getMyTicket", "leaveLine",
    }  # fmt: skip
    assert set(ids) == expected


async def test_request_durations_are_a_histogram_by_route_template(api: Api) -> None:
    name = await api.launched(learner(), "alpha")
    async with api.client() as client:
        assert (await client.get(f"/api/v1/instances/{name}", headers=learner())).is_success
        assert (await client.get("/api/v1/instances/nobody-here", headers=learner())).status_code
        assert (await client.get("/no/such/path")).status_code == 404
        text = (await client.get("/metrics")).text
    assert "# TYPE orchestra_api_request_duration_seconds histogram" in text

    def count(route: str, method: str, status: str) -> float:
        prefix = (
            "orchestra_api_request_duration_seconds_count"
            f'{{method="{method}",route="{route}",status="{status}"}} '
        )
        lines = [line for line in text.splitlines() if line.startswith(prefix)]
        return float(lines[0].removeprefix(prefix)) if lines else 0.0

    assert count("/api/v1/instances", "POST", "2xx") == 1
    # Both reads are one series under the template, the 404 in its own status class.
    assert count("/api/v1/instances/{name}", "GET", "2xx") == 1
    assert count("/api/v1/instances/{name}", "GET", "4xx") == 1
    assert count("(unmatched)", "GET", "4xx") == 1
    for raw in (name, "nobody-here", "/no/such/path"):
        assert raw not in text


async def test_a_nul_character_in_a_filter_is_a_422_problem(api: Api) -> None:
    """Postgres cannot store NUL in text; a filter or name holding one is the client's error."""
    async with api.client() as client:
        for path in ("/api/v1/admin/instances?template=a%00b", "/api/v1/admin/instances?user=%00"):
            response = await client.get(path, headers=admin())
            assert response.status_code == 422, path
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["type"].endswith("/invalid-request")
