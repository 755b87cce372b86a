"""Who may do what, on every route: owners, other learners, admins, strangers, nobody.

Another learner's instance is 404 exactly like a missing one (same type, same
detail shape), so names cannot be probed; admins see and act on all.
"""

import httpx
import pytest
from services.api.tests.apis import ADA, BOB, BOSS, STRANGER_PEER, Api, admin, learner

INSTANCE_ROUTES: dict[str, tuple[str, str, dict[str, str] | None]] = {
    "getInstance": ("GET", "/api/v1/instances/{name}", None),
    "getInstanceHistory": ("GET", "/api/v1/instances/{name}/history", None),
    "extendInstance": ("POST", "/api/v1/instances/{name}/extend", {"by": "30m"}),
    "terminateInstance": ("DELETE", "/api/v1/instances/{name}", None),
}
LEARNER_ROUTES: dict[str, tuple[str, str, dict[str, str] | None]] = {
    "whoAmI": ("GET", "/api/v1/me", None),
    "listTemplates": ("GET", "/api/v1/templates", None),
    "getTemplate": ("GET", "/api/v1/templates/alpha", None),
    "listMyInstances": ("GET", "/api/v1/instances", None),
    "listMyEndedInstances": ("GET", "/api/v1/history", None),
    "launchInstance": ("POST", "/api/v1/instances", {"template": "beta"}),
    "listMyPlaces": ("GET", "/api/v1/waiting-room", None),
}
ADMIN_ROUTES: dict[str, tuple[str, str, dict[str, str] | None]] = {
    "adminListInstances": ("GET", "/api/v1/admin/instances", None),
    "adminLaunchStats": ("GET", "/api/v1/admin/stats", None),
    "adminTerminateInstance": ("DELETE", "/api/v1/admin/instances/{name}", None),
}
# Owner-only beyond reading (admins may not enter): test_api_open covers who gets what.
OPEN_ROUTES: dict[str, tuple[str, str, dict[str, str] | None]] = {
    "openInstance": ("POST", "/api/v1/instances/{name}/open", None),
    "openInstanceRedirect": ("GET", "/api/v1/instances/{name}/open", None),
}
EVERY_ROUTE = {**INSTANCE_ROUTES, **LEARNER_ROUTES, **ADMIN_ROUTES, **OPEN_ROUTES}


async def call(
    api: Api,
    route: tuple[str, str, dict[str, str] | None],
    who: dict[str, str],
    name: str = "x",
    peer: tuple[str, int] | None = None,
) -> httpx.Response:
    method, path, body = route
    async with api.client(*([peer] if peer else [])) as client:
        return await client.request(method, path.format(name=name), json=body, headers=who)


@pytest.mark.parametrize("operation", sorted(INSTANCE_ROUTES))
async def test_the_owner_may_use_every_instance_route(api: Api, operation: str) -> None:
    name = await api.launched(learner(ADA))
    response = await call(api, INSTANCE_ROUTES[operation], learner(ADA), name)
    assert response.is_success, response.text


@pytest.mark.parametrize("operation", sorted(INSTANCE_ROUTES))
async def test_another_learners_instance_is_404_like_a_missing_one(
    api: Api, operation: str
) -> None:
    name = await api.launched(learner(ADA))
    theirs = await call(api, INSTANCE_ROUTES[operation], learner(BOB), name)
    missing = await call(api, INSTANCE_ROUTES[operation], learner(BOB), "no-such-instance")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["type"] == missing.json()["type"]
    assert theirs.json()["detail"].replace(name, "?") == missing.json()["detail"].replace(
        "no-such-instance", "?"
    )
    row = await api.state.pool.fetchrow(
        "SELECT expires_at, extensions, terminate_requested_at FROM instances WHERE name = $1",
        name,
    )
    assert row["extensions"] == 0
    assert row["terminate_requested_at"] is None
    assert await api.state.pool.fetchval("SELECT count(*) FROM outbox") == 1  # the launch only


@pytest.mark.parametrize("operation", sorted(INSTANCE_ROUTES))
@pytest.mark.parametrize("who", [admin(), learner(BOSS.title())], ids=["group", "email"])
async def test_admins_may_use_every_instance_route_on_anyones(
    api: Api, operation: str, who: dict[str, str]
) -> None:
    name = await api.launched(learner(ADA))
    response = await call(api, INSTANCE_ROUTES[operation], who, name)
    assert response.is_success, response.text


@pytest.mark.parametrize("operation", sorted(ADMIN_ROUTES))
async def test_admin_routes_are_403_for_learners_and_open_to_admins(
    api: Api, operation: str
) -> None:
    name = await api.launched(learner(ADA))
    refused = await call(api, ADMIN_ROUTES[operation], learner(BOB), name)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/forbidden")
    assert (await call(api, ADMIN_ROUTES[operation], learner(ADA), name)).status_code == 403
    allowed = await call(api, ADMIN_ROUTES[operation], admin(), name)
    assert allowed.is_success, allowed.text


@pytest.mark.parametrize("operation", sorted(LEARNER_ROUTES))
async def test_learner_routes_serve_learners(api: Api, operation: str) -> None:
    response = await call(api, LEARNER_ROUTES[operation], learner(BOB))
    assert response.is_success, response.text


@pytest.mark.parametrize("operation", sorted(EVERY_ROUTE))
async def test_no_identity_is_401_on_every_route(api: Api, operation: str) -> None:
    response = await call(api, EVERY_ROUTE[operation], {})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/unauthenticated")


@pytest.mark.parametrize("operation", sorted(EVERY_ROUTE))
@pytest.mark.parametrize(
    "forged",
    [
        learner(ADA),
        {"X-Auth-Request-User": "ada"},
        {"X-Auth-Request-Email": ADA, "X-Auth-Request-Groups": "orchestra-admins"},
    ],
    ids=["email", "user", "admin-group"],
)
async def test_identity_headers_from_outside_the_proxy_are_401_on_every_route(
    api: Api, operation: str, forged: dict[str, str]
) -> None:
    response = await call(api, EVERY_ROUTE[operation], forged, "x", peer=STRANGER_PEER)
    assert response.status_code == 401
    assert "login proxy" in response.json()["detail"]
    assert await api.state.pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_a_learner_lists_only_their_own_instances(api: Api) -> None:
    mine = await api.launched(learner(ADA))
    await api.launched(learner(BOB))
    async with api.client() as client:
        listed = (await client.get("/api/v1/instances", headers=learner(ADA))).json()
    assert [i["name"] for i in listed] == [mine]


async def test_emails_compare_case_insensitively(api: Api) -> None:
    name = await api.launched(learner("Ada@Example.ORG"))
    async with api.client() as client:
        response = await client.get(f"/api/v1/instances/{name}", headers=learner(ADA))
    assert response.status_code == 200
    assert response.json()["owner"] == ADA
