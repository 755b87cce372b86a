"""Opening a workshop: a single-use ticket for its gate, for its owner only.

The ticket is checked with the shared pass format and the api's ticket secret,
as the gate checks it: bound to the instance, the caller and its namespace, and
valid for about ``gate_ticket_seconds``.
"""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError
from services.api.tests.apis import ADA, BOB, GATE_SECRET, Api, admin, learner

from orchestra_api.config import ApiSettings
from orchestra_shared.passes import OPEN_PATH, unseal

NAMESPACE = "orchestra-u-0123456789abcdef"


async def ready(api: Api) -> str:
    name = await api.launched(learner(ADA))
    await api.set_phase(
        name, "Ready", url=f"http://{name}.workshops.localhost:8080/", namespace=NAMESPACE
    )
    return name


async def test_the_owner_gets_a_ticket_bound_to_the_instance(api: Api) -> None:
    name = await ready(api)
    async with api.client() as client:
        response = await client.post(f"/api/v1/instances/{name}/open", headers=learner(ADA))
    assert response.status_code == 200, response.text
    url = urlsplit(response.json()["url"])
    assert (url.scheme, url.netloc, url.path) == (
        "http",
        f"{name}.workshops.localhost:8080",
        OPEN_PATH,
    )
    (sealed,) = parse_qs(url.query)["ticket"]
    ticket = unseal(sealed, GATE_SECRET, purpose="ticket", now=time.time())
    assert (ticket.instance, ticket.subject, ticket.role, ticket.namespace) == (
        name,
        ADA,
        "owner",
        NAMESPACE,
    )
    assert time.time() < ticket.expires_at <= time.time() + api.settings.gate_ticket_seconds + 1


async def test_the_open_link_redirects_with_a_fresh_ticket_each_time(api: Api) -> None:
    name = await ready(api)
    async with api.client() as client:
        first, second = [
            await client.get(
                f"/api/v1/instances/{name}/open",
                params={"next": "/lab/tree"},
                headers=learner(ADA),
            )
            for _ in range(2)
        ]
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] != second.headers["location"]
    assert first.headers["cache-control"] == "no-store"
    query = parse_qs(urlsplit(first.headers["location"]).query)
    assert query["next"] == ["/lab/tree"]


async def test_next_never_leaves_the_workshop_host(api: Api) -> None:
    name = await ready(api)
    async with api.client() as client:
        response = await client.get(
            f"/api/v1/instances/{name}/open",
            params={"next": "//evil.example/x"},
            headers=learner(ADA),
        )
    assert "next" not in parse_qs(urlsplit(response.headers["location"]).query)


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_another_learner_gets_404_like_a_missing_instance(api: Api, method: str) -> None:
    name = await ready(api)
    async with api.client() as client:
        response = await client.request(
            method, f"/api/v1/instances/{name}/open", headers=learner(BOB)
        )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_an_admin_sees_the_instance_but_may_not_enter(api: Api, method: str) -> None:
    name = await ready(api)
    async with api.client() as client:
        response = await client.request(method, f"/api/v1/instances/{name}/open", headers=admin())
    assert response.status_code == 403
    assert response.json()["type"].endswith("/forbidden")


async def test_a_workshop_not_ready_yet_is_409(api: Api) -> None:
    name = await api.launched(learner(ADA))
    async with api.client() as client:
        response = await client.post(f"/api/v1/instances/{name}/open", headers=learner(ADA))
    assert response.status_code == 409
    assert response.json()["type"].endswith("/not-ready")


async def test_an_ending_workshop_is_409(api: Api) -> None:
    name = await ready(api)
    async with api.client() as client:
        await client.delete(f"/api/v1/instances/{name}", headers=learner(ADA))
        response = await client.post(f"/api/v1/instances/{name}/open", headers=learner(ADA))
    assert response.status_code == 409
    assert response.json()["type"].endswith("/instance-ended")


def test_placeholder_ticket_secrets_are_refused_outside_development() -> None:
    with pytest.raises(ValidationError, match="gate_ticket_secret is a placeholder"):
        ApiSettings(environment="production")
    with pytest.raises(ValidationError, match="shorter"):
        ApiSettings(gate_ticket_secret="short-but-real")
    ApiSettings(environment="development")
    ApiSettings(gate_ticket_secret=GATE_SECRET)
