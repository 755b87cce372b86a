"""The signing-key cache: background refresh, rate-limited refetch, backoff with jitter.

A fake clock and a fake fetch (pure logic; the real issuer is in ``test_api_oidc``).
"""

import asyncio
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from orchestra_api.problems import Unavailable
from orchestra_api.refreshing import RefreshPolicy, SigningKeys, retry_delay

POLICY = RefreshPolicy(
    cache_seconds=300, min_refresh=10, retry_initial=5, retry_max=300, fetch_timeout=1
)


def jwk(kid: str) -> dict[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key)), "kid": kid, "alg": "RS256"}


class Issuer:
    def __init__(self, *kids: str) -> None:
        self.keys = [jwk(kid) for kid in kids]
        self.down = False
        self.fetches = 0

    async def fetch(self, url: str) -> dict[str, Any]:
        self.fetches += 1
        if self.down:
            raise OSError("connection refused")
        return {"keys": list(self.keys)}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def cache(issuer: Issuer, clock: Clock, policy: RefreshPolicy = POLICY) -> SigningKeys:
    return SigningKeys(
        "http://issuer/jwks", policy, fetch=issuer.fetch, clock=clock, draw=lambda: 0.5
    )


@pytest.mark.parametrize(
    ("failures", "draw", "expected"),
    [
        (1, 0.0, 10.0),  # half of 5 s, but never below min_refresh
        (2, 0.0, 10.0),
        (3, 0.0, 10.0),
        (4, 0.0, 20.0),  # half of 40 s
        (4, 0.999, 39.98),
        (7, 0.5, 225.0),  # 300 s ceiling (320 capped), three quarters of it
        (10_000, 0.999, 299.85),  # bounded however long the outage
    ],
)
def test_the_retry_delay_doubles_is_jittered_and_bounded(
    failures: int, draw: float, expected: float
) -> None:
    assert retry_delay(failures, POLICY, draw) == pytest.approx(expected)


async def test_a_known_key_is_served_from_the_cache_and_refreshed_in_the_background() -> None:
    issuer, clock = Issuer("k1"), Clock()
    keys = cache(issuer, clock)
    assert await keys.key("k1") is not None
    clock.now += 301
    issuer.keys = [jwk("k2")]  # the issuer retired k1
    assert await keys.key("k1") is not None  # answered at once, from the cache
    await keys.idle()
    assert issuer.fetches == 2
    assert await keys.key("k1") is None  # the refresh removed it


async def test_unknown_key_ids_refetch_at_most_every_min_refresh() -> None:
    issuer, clock = Issuer("k1"), Clock()
    keys = cache(issuer, clock)
    await keys.key("k1")
    for _ in range(5):
        assert await keys.key("forged") is None
    assert issuer.fetches == 1
    clock.now += 10
    issuer.keys.append(jwk("k2"))
    assert await keys.key("k2") is not None
    assert issuer.fetches == 2


async def test_an_outage_keeps_the_last_keys_and_backs_off() -> None:
    issuer, clock = Issuer("k1"), Clock()
    keys = cache(issuer, clock, RefreshPolicy(0, 0, 5, 300, 1))
    await keys.key("k1")
    issuer.down = True
    for step in range(30):  # three seconds of requests
        clock.now += 0.1
        assert await keys.key("k1") is not None, step
        await keys.idle()
    assert issuer.fetches == 2  # the first failure waits 3.75 s (5 s ceiling, draw 0.5)
    clock.now += 3.75
    await keys.key("k1")
    await keys.idle()
    assert issuer.fetches == 3
    clock.now += 5  # the second failure waits 7.5 s
    await keys.key("k1")
    await keys.idle()
    assert issuer.fetches == 3
    issuer.down = False
    clock.now += 2.5
    await keys.key("k1")
    await keys.idle()
    assert issuer.fetches == 4
    clock.now += 0.1
    await keys.key("k1")  # cache_seconds 0: a fetch again, the backoff is over
    await keys.idle()
    assert issuer.fetches == 5


async def test_with_no_keys_yet_requests_get_503_without_waiting_on_each_fetch() -> None:
    issuer, clock = Issuer("k1"), Clock()
    issuer.down = True
    keys = cache(issuer, clock)
    for _ in range(3):
        with pytest.raises(Unavailable) as raised:
            await keys.key("k1")
    assert issuer.fetches == 1
    assert raised.value.headers["Retry-After"] == "10"
    issuer.down = False
    clock.now += 10
    assert await keys.key("k1") is not None


async def test_concurrent_requests_share_one_fetch() -> None:
    issuer, clock = Issuer("k1"), Clock()
    keys = cache(issuer, clock)
    found = await asyncio.gather(*(keys.key("k1") for _ in range(20)))
    assert all(key is not None for key in found)
    assert issuer.fetches == 1


async def test_a_hanging_issuer_times_out_into_the_backoff() -> None:
    clock = Clock()

    async def hang(url: str) -> dict[str, Any]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    keys = SigningKeys(
        "http://issuer/jwks", RefreshPolicy(300, 10, 5, 300, 0.05), fetch=hang, clock=clock
    )
    with pytest.raises(Unavailable):
        await keys.key("k1")


async def test_a_document_that_is_no_key_set_counts_as_a_failed_fetch() -> None:
    clock = Clock()
    documents: list[Any] = [["not", "a", "key", "set"], {"keys": []}]

    async def fetch(url: str) -> Any:
        return documents.pop(0)

    keys = SigningKeys("http://issuer/jwks", POLICY, fetch=fetch, clock=clock)
    with pytest.raises(Unavailable):
        await keys.key("k1")
    clock.now += 10
    with pytest.raises(Unavailable):
        await keys.key("k1")
    assert documents == []
