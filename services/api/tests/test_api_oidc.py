"""Identity from a real OpenID provider: oidc-provider on loopback, tokens from a real sign-in.

Nobody here wrote the provider (``tests/peers/oidc``): its ID tokens come from the
authorization-code flow, its keys from its JWKS endpoint over HTTP, and the api
(identity ``token``, as in production) decides from them alone.
"""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from services.api.tests.apis import PROXY_PEER, STRANGER_PEER, Api, AppRunner, eventually
from tests.peers.oidc.providers import OidcProvider, running_oidc_provider

AUDIENCE = "orchestra"  # the client oauth2-proxy signs in as; its ID tokens name it


@pytest_asyncio.fixture
async def provider(tmp_path: Path) -> AsyncIterator[OidcProvider]:
    async with running_oidc_provider(tmp_path) as running:
        yield running


def verifying(provider: OidcProvider, **overrides: Any) -> dict[str, Any]:
    return {
        "identity": "token",
        "oidc_issuer": provider.issuer,
        "oidc_audience": AUDIENCE,
        "oidc_jwks_url": provider.jwks_url,
        **overrides,
    }


async def call(
    api: Api, token: str, method: str = "GET", path: str = "/api/v1/me", **kwargs: Any
) -> httpx.Response:
    # Through the login proxy's address, as oauth2-proxy passes the token on; it proves
    # itself, so the peer does not matter (the stranger's peer is tried below).
    async with api.client(PROXY_PEER) as client:
        return await client.request(
            method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs
        )


async def test_signing_in_gives_the_identity_that_the_claims_name(
    run_api: AppRunner, provider: OidcProvider
) -> None:
    ada, boss = await provider.sign_in("ada"), await provider.sign_in("boss")
    async with run_api(**verifying(provider)) as api:
        me = (await call(api, ada)).json()
        assert (me["email"], me["user"], me["is_admin"]) == ("ada@example.org", "ada", False)
        assert (await call(api, boss)).json()["is_admin"] is True  # by the groups claim
        launched = await call(api, ada, "POST", "/api/v1/instances", json={"template": "alpha"})
        assert launched.status_code == 202, launched.text
        assert launched.json()["owner"] == "ada@example.org"
        async with api.client(STRANGER_PEER) as client:
            mine = await client.get("/api/v1/instances", headers={"Authorization": f"Bearer {ada}"})
        assert [i["name"] for i in mine.json()] == [launched.json()["name"]]


async def test_a_rotated_key_is_picked_up_and_a_removed_one_refused(
    run_api: AppRunner, provider: OidcProvider
) -> None:
    settings = verifying(provider, oidc_jwks_cache_seconds=0, oidc_jwks_min_refresh=0)
    async with run_api(**settings) as api:
        old = await provider.sign_in("ada")
        assert (await call(api, old)).status_code == 200
        rotated = await provider.control("rotate")  # a new key signs; the old one stays
        new = await provider.sign_in("ada")
        assert (await call(api, new)).status_code == 200  # its key id refetches
        assert (await call(api, old)).status_code == 200  # still published
        await provider.control("retire")  # the old key is no longer published

        async def old_refused() -> httpx.Response | None:
            response = await call(api, old)
            return response if response.status_code == 401 else None

        refused = await eventually(old_refused, what="the removed key's token to be refused")
        assert "does not publish" in refused.json()["detail"]
        assert (await call(api, new)).status_code == 200
    assert len(rotated["kids"]) == 2


async def test_an_email_the_provider_has_not_verified_is_refused(
    run_api: AppRunner, provider: OidcProvider
) -> None:
    eve, mallory = await provider.sign_in("eve"), await provider.sign_in("mallory")
    async with run_api(**verifying(provider)) as api:
        for token, said in ((eve, "false"), (mallory, "missing")):
            response = await call(api, token)
            assert response.status_code == 403
            problem = response.json()
            assert problem["type"].endswith("/email-not-verified")
            assert f"email_verified is {said}" in problem["detail"]


async def test_a_token_for_another_audience_is_refused(
    run_api: AppRunner, provider: OidcProvider
) -> None:
    other = await provider.sign_in("ada", client_id="another-app")
    async with run_api(**verifying(provider)) as api:
        response = await call(api, other)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert "not meant for this api" in response.json()["detail"]


async def test_an_expired_token_is_refused(run_api: AppRunner, provider: OidcProvider) -> None:
    await provider.control("id-token-ttl", seconds=1)
    token = await provider.sign_in("ada")
    async with run_api(**verifying(provider, oidc_leeway=0)) as api:

        async def refused() -> httpx.Response | None:
            response = await call(api, token)
            return response if response.status_code == 401 else None

        response = await eventually(refused, what="the one-second token to expire")
    assert "expired" in response.json()["detail"]


async def test_with_the_jwks_endpoint_down_cached_keys_work_and_fetches_back_off(
    run_api: AppRunner, provider: OidcProvider
) -> None:
    # Keys are stale at once: without a backoff every request would fetch them again.
    settings = verifying(
        provider, oidc_jwks_cache_seconds=0, oidc_jwks_min_refresh=0, oidc_jwks_retry_initial=60
    )
    token = await provider.sign_in("ada")
    async with run_api(**settings) as api:
        assert (await call(api, token)).status_code == 200
        await provider.control("jwks", down=True)
        assert (await call(api, token)).status_code == 200  # starts a refresh that fails

        async def refresh_failed() -> bool:
            requests: int = (await provider.control("state"))["jwks_requests"]
            return requests >= 2

        await eventually(refresh_failed, what="a refresh against the endpoint that is down")
        verifier = api.state.verifier
        assert verifier is not None
        await verifier.keys.idle()  # the failure is recorded, the backoff set
        answers = [(await call(api, token)).status_code for _ in range(20)]
        await provider.control("rotate")
        rotated = await call(api, await provider.sign_in("ada"))
    assert answers == [200] * 20
    assert rotated.status_code == 401  # an unknown key waits for the backoff as well
    assert (await provider.control("state"))["jwks_requests"] == 2
