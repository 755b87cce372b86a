"""Who is calling: identity from oauth2-proxy's headers, trusted only from its address.

oauth2-proxy authenticates the learner and forwards ``X-Auth-Request-Email``,
``-User`` and ``-Groups``. Anybody could send those headers, so they are
believed only when the TCP peer is one of the configured proxy networks; any
other request is anonymous, and anonymous requests get 401.
"""

from dataclasses import dataclass
from ipaddress import IPv6Address, ip_address

from orchestra_api.config import IPNetwork
from orchestra_api.problems import Unauthenticated
from orchestra_shared.owners import normalise_owner

EMAIL_HEADER = "x-auth-request-email"
USER_HEADER = "x-auth-request-user"
GROUPS_HEADER = "x-auth-request-groups"


@dataclass(frozen=True)
class Identity:
    email: str
    user: str | None
    groups: frozenset[str]
    is_admin: bool


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
    raw_email = headers.get(EMAIL_HEADER, "").strip()
    if not raw_email:
        raise Unauthenticated("no identity: sign in through the platform's login")
    if not is_trusted_peer(peer, trusted_proxies):
        raise Unauthenticated("identity headers are accepted only from the login proxy")
    email = normalise_owner(raw_email)
    groups = frozenset(g.strip() for g in headers.get(GROUPS_HEADER, "").split(",") if g.strip())
    return Identity(
        email=email,
        user=headers.get(USER_HEADER) or None,
        groups=groups,
        is_admin=admin_group in groups or email in admin_emails,
    )
