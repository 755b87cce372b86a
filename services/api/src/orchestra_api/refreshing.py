"""The token issuer's signing keys: fetched, cached, and refreshed without stalling requests.

``verifying.TokenVerifier`` asks ``SigningKeys.key(kid)`` once per bearer token.
Three rules keep the issuer's JWKS endpoint off every request's path:

- a known key id is answered from the cache at once; when the cache is older than
  ``oidc_jwks_cache_seconds`` a refresh starts in the background, so a removed
  key stops working soon after without any request waiting for the issuer;
- an unknown key id (a rotation, or a forgery) fetches now, but at most every
  ``oidc_jwks_min_refresh`` seconds, so forged key ids cannot flood the issuer;
- a failed fetch keeps the last good keys and waits before the next attempt,
  doubling from ``oidc_jwks_retry_initial`` up to ``oidc_jwks_retry_max`` with
  jitter (so replicas do not retry in step): during an issuer outage, tokens
  signed by cached keys keep working and no request waits on a fetch that will
  fail. With no keys at all yet, requests get 503 with Retry-After.

``retry_delay`` is the pure part; the rest is the thin state around one fetch.
"""

import asyncio
import logging
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import jwt

from orchestra_api.problems import Unavailable

log = logging.getLogger(__name__)
JwksFetcher = Callable[[str], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class RefreshPolicy:
    """Seconds, from the api's settings (see ``config.ApiSettings.oidc_jwks_*``)."""

    cache_seconds: float
    min_refresh: float
    retry_initial: float
    retry_max: float
    fetch_timeout: float


def retry_delay(failures: int, policy: RefreshPolicy, draw: float) -> float:
    """Seconds to wait after ``failures`` failed fetches in a row; ``draw`` is in [0, 1).

    The ceiling doubles from ``retry_initial`` to at most ``retry_max``; the delay is
    drawn from its upper half, and never shorter than ``min_refresh``.
    """
    exponent = min(max(failures, 1) - 1, 62)  # 2**62 seconds is past any ceiling
    ceiling = min(policy.retry_max, policy.retry_initial * 2.0**exponent)
    return max(policy.min_refresh, ceiling * (0.5 + draw / 2))


class SigningKeys:
    """One issuer's keys by key id; one per verifier, so one per api process."""

    def __init__(
        self,
        url: str,
        policy: RefreshPolicy,
        *,
        fetch: JwksFetcher,
        clock: Callable[[], float],
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.url = url
        self.policy = policy
        self._fetch = fetch
        self._clock = clock
        self._draw = draw
        self._keys: dict[str | None, Any] = {}
        self._fetched_at: float | None = None
        self._not_before = -math.inf
        self._failures = 0
        self._inflight: asyncio.Task[None] | None = None

    async def key(self, kid: str | None) -> Any | None:
        """The key for ``kid``, or None if the issuer does not publish it.

        Raises ``Unavailable`` while no keys could be fetched yet.
        """
        if kid in self._keys:
            if self._stale() and self._may_fetch():
                self._start_fetch()
            return self._keys[kid]
        if self._inflight is not None or self._may_fetch():
            await asyncio.shield(self._start_fetch())
        if kid in self._keys:
            return self._keys[kid]
        if not self._keys:
            wait = max(1, math.ceil(self._not_before - self._clock()))
            error = Unavailable("cannot fetch the token issuer's signing keys; retry later")
            error.headers["Retry-After"] = str(wait)
            raise error
        return None

    async def idle(self) -> None:
        """Wait until no fetch is in flight (a background refresh has had its effect)."""
        if self._inflight is not None:
            await asyncio.shield(self._inflight)

    async def close(self) -> None:
        if self._inflight is not None:
            self._inflight.cancel()
            await asyncio.gather(self._inflight, return_exceptions=True)

    def _stale(self) -> bool:
        return (
            self._fetched_at is None
            or self._clock() - self._fetched_at >= self.policy.cache_seconds
        )

    def _may_fetch(self) -> bool:
        return self._inflight is None and self._clock() >= self._not_before

    def _start_fetch(self) -> asyncio.Task[None]:
        """One fetch at a time: every caller that needs keys now joins the same one."""
        if self._inflight is None:
            self._inflight = asyncio.create_task(self._fetch_once(), name="jwks-fetch")
            self._inflight.add_done_callback(self._done)
        return self._inflight

    def _done(self, task: asyncio.Task[None]) -> None:
        if self._inflight is task:
            self._inflight = None

    async def _fetch_once(self) -> None:
        try:
            document = await asyncio.wait_for(self._fetch(self.url), self.policy.fetch_timeout)
            key_set = jwt.PyJWKSet.from_dict(document)
        except Exception as error:  # whatever the issuer sends or fails with: keep the keys
            self._failures += 1
            delay = retry_delay(self._failures, self.policy, self._draw())
            self._not_before = self._clock() + delay
            log.warning(
                "cannot fetch the token issuer's signing keys; keeping %d cached keys",
                len(self._keys),
                extra={"url": self.url, "error": repr(error), "retry_in": round(delay, 1)},
            )
            return
        keys: dict[str | None, Any] = {key.key_id: key.key for key in key_set.keys}
        if len(key_set.keys) == 1:
            # A token without a kid may use the issuer's only key.
            keys.setdefault(None, key_set.keys[0].key)
        self._keys = keys
        self._failures = 0
        self._fetched_at = self._clock()
        self._not_before = self._fetched_at + self.policy.min_refresh
