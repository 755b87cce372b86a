"""Verifying OIDC bearer tokens: signature by the issuer's published keys, issuer, audience, time.

In production the api takes identity only from a signed token: the ID token that
oauth2-proxy passes on with ``--pass-authorization-header``, or an API client's
bearer token (scripts, the CLI). The signing keys come from the issuer's JWKS
document (``refreshing.SigningKeys``: cached, refreshed in the background, and
backed off while the issuer is down). The email is believed only when the
issuer says it verified it (``email_verified``: true; missing is not verified),
since on providers where users choose their email an unverified one is a
takeover of whoever owns it here.

``deps`` calls ``TokenVerifier.identity`` per request; ``main`` builds one
verifier per process and closes it at shutdown.
"""

import asyncio
import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import jwt

from orchestra_api.config import ApiSettings
from orchestra_api.identities import Identity, identity_of
from orchestra_api.problems import EmailNotVerified, InvalidToken
from orchestra_api.refreshing import JwksFetcher, RefreshPolicy, SigningKeys

FETCH_TIMEOUT = 5.0


async def fetch_jwks_over_http(url: str) -> dict[str, Any]:
    """GET the JWKS document (in a thread: urllib blocks, and this is rare and cached)."""

    def get() -> dict[str, Any]:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as response:
            document: dict[str, Any] = json.loads(response.read())
            return document

    return await asyncio.to_thread(get)


def email_is_verified(claims: dict[str, Any]) -> bool:
    """True only for ``email_verified: true`` (some issuers send the string "true")."""
    verified = claims.get("email_verified")
    return verified is True or (isinstance(verified, str) and verified.lower() == "true")


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
        self.audiences: list[str] = [settings.oidc_audience, *settings.oidc_extra_audiences]
        policy = RefreshPolicy(
            cache_seconds=settings.oidc_jwks_cache_seconds,
            min_refresh=settings.oidc_jwks_min_refresh,
            retry_initial=settings.oidc_jwks_retry_initial,
            retry_max=settings.oidc_jwks_retry_max,
            fetch_timeout=FETCH_TIMEOUT + 1,
        )
        self.keys = SigningKeys(settings.oidc_jwks_url, policy, fetch=fetch, clock=clock)

    async def identity(self, token: str) -> Identity:
        claims = await self.claims(token)
        email = claims.get(self.settings.oidc_email_claim)
        if not isinstance(email, str) or not email.strip():
            raise InvalidToken(f"bearer token has no {self.settings.oidc_email_claim} claim")
        if not email_is_verified(claims):
            said = json.dumps(claims["email_verified"]) if "email_verified" in claims else "missing"
            raise EmailNotVerified(
                f"the identity provider has not verified the email {email.strip()} "
                f"(email_verified is {said}); verify it there, then sign in again"
            )
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
            raise InvalidToken("bearer token is malformed") from error
        if header.get("alg") not in self.settings.oidc_algorithms:
            raise InvalidToken("bearer token is signed with an algorithm not accepted here")
        key = await self.keys.key(header.get("kid"))
        if key is None:
            raise InvalidToken("bearer token is signed with a key the issuer does not publish")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=self.settings.oidc_algorithms,
                audience=self.audiences,
                issuer=self.issuer,
                leeway=self.settings.oidc_leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidToken("bearer token has expired; sign in again") from error
        except jwt.InvalidAudienceError as error:
            raise InvalidToken(f"bearer token is not meant for this api: {error}") from error
        except jwt.PyJWTError as error:
            raise InvalidToken(f"bearer token rejected: {error}") from error
        return claims

    async def close(self) -> None:
        await self.keys.close()
