"""OIDC bearer tokens: verified against keys the tests generate and serve, issuer and audience.

The same checks against a real OpenID provider are in ``test_api_oidc``; here the
tokens are forged at will (no exp, HMAC, a stranger's key) and the identity setting
is tried both ways.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
import pytest_asyncio
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from services.api.tests.apis import (
    BOB,
    BOSS,
    PROXY_PEER,
    STRANGER_PEER,
    Api,
    AppRunner,
    admin,
    eventually,
    learner,
)

from orchestra_devstack.probes import free_port

ISSUER = "https://login.example.org/realms/orchestra"
AUDIENCE = "orchestra-api"


class Issuer:
    """An OIDC issuer of our own: RSA keys, a JWKS document, signed tokens."""

    def __init__(self) -> None:
        self.keys = {"k1": rsa.generate_private_key(public_exponent=65537, key_size=2048)}
        self.fetches = 0

    def rotate(self, kid: str) -> None:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self.keys.items():
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    async def fetch(self, url: str) -> dict[str, Any]:
        self.fetches += 1
        return self.jwks()

    def token(self, kid: str = "k1", key: Any = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "u-123",
            "email": "Ada@Example.org",
            "email_verified": True,
            "iat": now,
            "exp": now + 300,
            **claims,
        }
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, key or self.keys[kid], algorithm="RS256", headers={"kid": kid})


def oidc(jwks_url: str = "http://unused.invalid/jwks") -> dict[str, Any]:
    return {
        "identity": "token",
        "oidc_issuer": ISSUER,
        "oidc_audience": AUDIENCE,
        "oidc_jwks_url": jwks_url,
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


@pytest_asyncio.fixture
async def token_api(run_api: AppRunner, issuer: Issuer) -> AsyncIterator[Api]:
    async with run_api(**oidc(), jwks_fetcher=issuer.fetch) as api:
        yield api


async def me(api: Api, headers: dict[str, str], peer: tuple[str, int] = STRANGER_PEER) -> Any:
    async with api.client(peer) as client:  # tokens prove themselves: any peer
        return await client.get("/api/v1/me", headers=headers)


async def test_a_valid_token_identifies_the_learner(token_api: Api, issuer: Issuer) -> None:
    response = await me(token_api, bearer(issuer.token()))
    assert response.status_code == 200, response.text
    assert response.json()["email"] == "ada@example.org"
    assert response.json()["user"] == "u-123"
    assert response.json()["is_admin"] is False


async def test_extra_audiences_are_accepted_too(run_api: AppRunner, issuer: Issuer) -> None:
    settings = {**oidc(), "oidc_extra_audiences": ["orchestra-cli"]}
    async with run_api(**settings, jwks_fetcher=issuer.fetch) as api:
        cli = await me(api, bearer(issuer.token(aud="orchestra-cli")))
        other = await me(api, bearer(issuer.token(aud="someone-else")))
    assert cli.status_code == 200, cli.text
    assert other.status_code == 401


async def test_the_groups_claim_makes_an_admin(token_api: Api, issuer: Issuer) -> None:
    token = issuer.token(groups=["staff", "orchestra-admins"])
    assert (await me(token_api, bearer(token))).json()["is_admin"] is True


@pytest.mark.parametrize(
    ("claims", "words"),
    [
        ({"aud": "someone-else"}, "audience"),
        ({"iss": "https://evil.example.org"}, "issuer"),
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"exp": None}, "exp"),
        ({"email": None}, "email"),
    ],
    ids=["audience", "issuer", "expired", "no-exp", "no-email"],
)
async def test_tokens_failing_a_check_are_401(
    token_api: Api, issuer: Issuer, claims: dict[str, Any], words: str
) -> None:
    response = await me(token_api, bearer(issuer.token(**claims)))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert words in response.json()["detail"].lower()


@pytest.mark.parametrize(
    ("verified", "said"),
    [(False, "false"), (None, "missing"), ("false", '"false"'), ("yes", '"yes"')],
    ids=["false", "missing", "string-false", "not-a-boolean"],
)
async def test_an_email_the_issuer_has_not_verified_is_403(
    token_api: Api, issuer: Issuer, verified: object, said: str
) -> None:
    response = await me(token_api, bearer(issuer.token(email_verified=verified)))
    assert response.status_code == 403
    problem = response.json()
    assert problem["type"].endswith("/email-not-verified")
    assert "not verified the email ada@example.org" in problem["detail"].lower()
    assert f"email_verified is {said})" in problem["detail"]


async def test_the_string_true_counts_as_verified(token_api: Api, issuer: Issuer) -> None:
    # Some issuers (Cognito among them) send the claim as a string.
    response = await me(token_api, bearer(issuer.token(email_verified="true")))
    assert response.status_code == 200, response.text


async def test_with_identity_token_headers_from_a_trusted_peer_are_not_believed(
    token_api: Api, issuer: Issuer
) -> None:
    headers_only = await me(token_api, admin(), PROXY_PEER)
    both = await me(token_api, {**admin(BOSS), **bearer(issuer.token())}, PROXY_PEER)
    assert headers_only.status_code == 401
    assert "not believed" in headers_only.json()["detail"]
    assert "--pass-authorization-header" in headers_only.json()["detail"]
    assert headers_only.headers["www-authenticate"] == "Bearer"
    # With a token as well, the token alone says who it is.
    assert both.status_code == 200, both.text
    assert both.json()["email"] == "ada@example.org"
    assert both.json()["is_admin"] is False


async def test_with_trusted_headers_both_ways_in_work(run_api: AppRunner, issuer: Issuer) -> None:
    overrides = {**oidc(), "identity": "trusted-headers"}
    async with run_api(**overrides, jwks_fetcher=issuer.fetch) as api:
        by_header = await me(api, learner(BOB), PROXY_PEER)
        by_token = await me(api, bearer(issuer.token()))
        forged = await me(api, learner(BOB))
    assert by_header.json()["email"] == BOB
    assert by_token.json()["email"] == "ada@example.org"
    assert forged.status_code == 401


async def test_identity_token_without_an_issuer_does_not_start(run_api: AppRunner) -> None:
    with pytest.raises(RuntimeError, match="ORCHESTRA_API_OIDC_ISSUER"):
        async with run_api(identity="token"):
            pass


async def test_forged_signatures_and_algorithms_are_401(token_api: Api, issuer: Issuer) -> None:
    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = issuer.token(key=stranger_key)
    unsigned = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "email": "a@x.org"}, "", "none")
    hmac = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "email": "a@x.org", "exp": time.time() + 60},
        "secret-long-enough-for-hmac-256-bits!",
        algorithm="HS256",
        headers={"kid": "k1"},
    )
    for token in (forged, unsigned, hmac, "not-a-jwt"):
        assert (await me(token_api, bearer(token))).status_code == 401, token


async def test_a_rotated_key_is_fetched_once_then_cached(token_api: Api, issuer: Issuer) -> None:
    assert (await me(token_api, bearer(issuer.token()))).status_code == 200
    assert (await me(token_api, bearer(issuer.token()))).status_code == 200
    assert issuer.fetches == 1
    issuer.rotate("k2")
    # The cache is younger than the minimum refresh: an unknown kid does not refetch yet.
    assert (await me(token_api, bearer(issuer.token("k2")))).status_code == 401
    assert issuer.fetches == 1


async def test_unknown_key_ids_refetch_after_the_minimum_interval(
    run_api: AppRunner, issuer: Issuer
) -> None:
    async with run_api(**oidc(), oidc_jwks_min_refresh=0, jwks_fetcher=issuer.fetch) as api:
        assert (await me(api, bearer(issuer.token()))).status_code == 200
        issuer.rotate("k2")
        assert (await me(api, bearer(issuer.token("k2")))).status_code == 200
        assert issuer.fetches == 2


async def test_keys_are_fetched_over_http_from_the_jwks_url(
    run_api: AppRunner, issuer: Issuer
) -> None:
    async def jwks(_: web.Request) -> web.Response:
        issuer.fetches += 1
        return web.json_response(issuer.jwks())

    app = web.Application()
    app.router.add_get("/jwks", jwks)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with run_api(**oidc(f"http://127.0.0.1:{port}/jwks")) as api:
            response = await me(api, bearer(issuer.token()))
            assert response.status_code == 200, response.text
            assert issuer.fetches == 1
    finally:
        await runner.cleanup()


async def test_bearer_tokens_are_refused_when_no_issuer_is_configured(
    api: Api, issuer: Issuer
) -> None:
    response = await me(api, bearer(issuer.token()))
    assert response.status_code == 401
    assert "not accepted" in response.json()["detail"]


async def test_an_unreachable_issuer_is_503_not_a_stack_trace(run_api: AppRunner) -> None:
    async with run_api(**oidc(f"http://127.0.0.1:{free_port()}/jwks")) as api:
        response = await me(api, bearer(Issuer().token()))
    assert response.status_code == 503
    assert response.json()["type"].endswith("/unavailable")
    assert int(response.headers["retry-after"]) >= 1


async def test_an_issuer_outage_keeps_the_cached_keys_and_backs_off(
    run_api: AppRunner, issuer: Issuer
) -> None:
    down = False

    async def fetch(url: str) -> dict[str, Any]:
        issuer.fetches += 1
        if down:
            raise OSError("connection refused")
        return issuer.jwks()

    # Keys go stale at once, so every request would refetch if nothing backed off.
    settings = {**oidc(), "oidc_jwks_cache_seconds": 0, "oidc_jwks_min_refresh": 0}
    async with run_api(**settings, oidc_jwks_retry_initial=60, jwks_fetcher=fetch) as api:
        assert (await me(api, bearer(issuer.token()))).status_code == 200
        down = True
        # Served from the cache at once; the stale keys are refreshed in the background.
        assert (await me(api, bearer(issuer.token()))).status_code == 200
        await eventually(lambda: asyncio.sleep(0, issuer.fetches >= 2), what="a failed refresh")
        for _ in range(20):
            assert (await me(api, bearer(issuer.token()))).status_code == 200
        issuer.rotate("k2")  # an unknown key id waits for the backoff too
        assert (await me(api, bearer(issuer.token("k2")))).status_code == 401
    assert issuer.fetches == 2
