"""Who is calling: the pure rules, whether identity comes from a token or from headers.

In production identity comes from a signed bearer token (``verifying``): with
``identity = "token"`` (the default) nothing else is believed, and a request
without a token gets a 401 that says what to send (``token_required``).

With ``identity = "trusted-headers"`` (the dev stack, docker compose, and the one
production topology in docs/src/content/docs/decisions/0051) oauth2-proxy's ``X-Auth-Request-Email``,
``-User`` and ``-Groups`` are believed too, but only when the TCP peer is one of
the configured proxy networks; any other request carrying any of them is 401, and
so is a request with none.
"""

from dataclasses import dataclass
from ipaddress import IPv6Address, ip_address

from orchestra_api.config import IPNetwork
from orchestra_api.problems import Unauthenticated
from orchestra_shared.owners import normalise_owner

EMAIL_HEADER = "x-auth-request-email"
USER_HEADER = "x-auth-request-user"
GROUPS_HEADER = "x-auth-request-groups"
IDENTITY_HEADERS = (EMAIL_HEADER, USER_HEADER, GROUPS_HEADER)
AUTHORIZATION_HEADER = "authorization"


@dataclass(frozen=True)
class Identity:
    email: str
    user: str | None
    groups: frozenset[str]
    is_admin: bool

    def may_act_on(self, owner: str) -> bool:
        """Learners see and act on their own instances only; admins on all."""
        return self.is_admin or owner == self.email


def bearer_token(headers: dict[str, str]) -> str | None:
    """The token of ``Authorization: Bearer <token>`` (header names lower-cased), if any."""
    scheme, _, token = headers.get(AUTHORIZATION_HEADER, "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def token_required(headers: dict[str, str]) -> Unauthenticated:
    """The 401 for a request without a bearer token where only tokens are believed."""
    if any(header in headers for header in IDENTITY_HEADERS):
        detail = (
            "X-Auth-Request-* headers are not believed here: identity comes only from a "
            "signed bearer token (behind oauth2-proxy, run it with --pass-authorization-header)"
        )
    else:
        detail = "no identity: sign in through the platform's login, or send a bearer token"
    error = Unauthenticated(detail)
    error.headers["WWW-Authenticate"] = "Bearer"
    return error


def is_trusted_peer(peer: str | None, networks: list[IPNetwork]) -> bool:
    if not peer:
        return False
    try:
        address = ip_address(peer)
    except ValueError:
        return False
    # A dual-stack listener reports IPv4 callers as ::ffff:a.b.c.d.
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def identify(
    headers: dict[str, str],
    peer: str | None,
    *,
    trusted_proxies: list[IPNetwork],
    admin_group: str,
    admin_emails: list[str],
) -> Identity:
    """The caller's identity, or ``Unauthenticated``; pure, so it is tested without HTTP."""
    if any(header in headers for header in IDENTITY_HEADERS) and not is_trusted_peer(
        peer, trusted_proxies
    ):
        # Any of them, not only the email: a forged user or group must not pass either.
        raise Unauthenticated("identity headers are accepted only from the login proxy")
    raw_email = headers.get(EMAIL_HEADER, "").strip()
    if not raw_email:
        raise Unauthenticated("no identity: sign in through the platform's login")
    groups = frozenset(g.strip() for g in headers.get(GROUPS_HEADER, "").split(",") if g.strip())
    return identity_of(
        raw_email,
        user=headers.get(USER_HEADER) or None,
        groups=groups,
        admin_group=admin_group,
        admin_emails=admin_emails,
    )


def identity_of(
    raw_email: str,
    *,
    user: str | None,
    groups: frozenset[str],
    admin_group: str,
    admin_emails: list[str],
) -> Identity:
    """One rule for admins, whether the identity came from headers or a token."""
    email = normalise_owner(raw_email)
    return Identity(
        email=email,
        user=user,
        groups=groups,
        is_admin=admin_group in groups or email in admin_emails,
    )
