"""Verifying OIDC bearer tokens: signature by the issuer's published keys, issuer, audience, time.

For clients that do not come through oauth2-proxy (scripts, the CLI), the api
accepts ``Authorization: Bearer <JWT>`` when an issuer is configured. The
signing keys come from the issuer's JWKS document, fetched by an injectable
``fetch`` (tests serve their own keys) and cached; a token signed with a key id
not in the cache refetches, at most every ``min_refresh`` seconds, so a key
rotation is picked up and forged key ids cannot flood the issuer.

``deps`` calls ``TokenVerifier.identity`` per request; ``main`` builds one
verifier per process.
"""

import asyncio
import json
import time
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any

import jwt

from orchestra_api.config import ApiSettings
from orchestra_api.identities import Identity, identity_of
from orchestra_api.problems import Unauthenticated, Unavailable

JwksFetcher = Callable[[str], Awaitable[dict[str, Any]]]
FETCH_TIMEOUT = 5.0


async def fetch_jwks_over_http(url: str) -> dict[str, Any]:
    """GET the JWKS document (in a thread: urllib blocks, and this is rare and cached)."""

    def get() -> dict[str, Any]:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as response:
            document: dict[str, Any] = json.loads(response.read())
            return document

    return await asyncio.to_thread(get)


class TokenVerifier:
    def __init__(
        self,
        settings: ApiSettings,
        *,
        fetch: JwksFetcher = fetch_jwks_over_http,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not (settings.oidc_issuer and settings.oidc_audience and settings.oidc_jwks_url):
            raise ValueError("a token verifier needs an issuer, an audience and a JWKS URL")
        self.settings = settings
        self.issuer: str = settings.oidc_issuer
        self.audience: str = settings.oidc_audience
        self.jwks_url: str = settings.oidc_jwks_url
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str | None, Any] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def identity(self, token: str) -> Identity:
        claims = await self.claims(token)
        email = claims.get(self.settings.oidc_email_claim)
        if not isinstance(email, str) or not email.strip():
            raise Unauthenticated("bearer token has no email claim")
        if claims.get("email_verified") is False:
            raise Unauthenticated("bearer token's email is not verified")
        raw_groups = claims.get(self.settings.oidc_groups_claim) or []
        if isinstance(raw_groups, str):
            raw_groups = raw_groups.split(",")
        groups = frozenset(str(g).strip() for g in raw_groups if str(g).strip())
        user = claims.get("preferred_username") or claims.get("sub")
        return identity_of(
            email,
            user=str(user) if user else None,
            groups=groups,
            admin_group=self.settings.admin_group,
            admin_emails=self.settings.admin_emails,
        )

    async def claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise Unauthenticated("bearer token is malformed") from error
        if header.get("alg") not in self.settings.oidc_algorithms:
            raise Unauthenticated("bearer token is signed with an algorithm not accepted here")
        key = await self._key(header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=self.settings.oidc_algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.settings.oidc_leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise Unauthenticated("bearer token has expired") from error
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"bearer token rejected: {error}") from error
        return claims

    async def _key(self, kid: str | None) -> Any:
        keys = await self._refresh(force=False)
        if kid not in keys:
            keys = await self._refresh(force=True)
        if kid in keys:
            return keys[kid]
        raise Unauthenticated("bearer token is signed with an unknown key")

    async def _refresh(self, *, force: bool) -> dict[str | None, Any]:
        async with self._lock:
            now = self._clock()
            age = None if self._fetched_at is None else now - self._fetched_at
            fresh = age is not None and age < self.settings.oidc_jwks_cache_seconds
            too_soon = age is not None and age < self.settings.oidc_jwks_min_refresh
            if (fresh and not force) or (force and too_soon):
                return self._keys
            try:
                document = await self._fetch(self.jwks_url)
                key_set = jwt.PyJWKSet.from_dict(document)
            except (OSError, ValueError, jwt.PyJWTError) as error:
                if self._keys:
                    return self._keys  # keep the keys we have through an issuer outage
                raise Unavailable("cannot fetch the token issuer's signing keys") from error
            self._keys = {key.key_id: key.key for key in key_set.keys}
            if len(key_set.keys) == 1:
                # A token without a kid may use the issuer's only key.
                self._keys.setdefault(None, key_set.keys[0].key)
            self._fetched_at = now
            return self._keys
