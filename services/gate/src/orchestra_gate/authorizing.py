"""What the gate does with one request, decided without I/O.

``decide`` looks at the host, the path, a ticket in the query and the session
cookie and answers one of four things: proxy it (a valid session for this
host's instance), redeem a ticket (then ``after_redemption`` says where to send
the browser, with which cookie), redirect to the api's open flow (no usable
session), or refuse. ``routes`` carries the answer out; everything here is
unit-tested with a fixed clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from orchestra_shared.passes import (
    NEXT_PARAMETER,
    OPEN_PATH,
    Pass,
    PassRefused,
    safe_next,
    seal,
    unseal,
)

_LABEL = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class Proxy:
    admitted: Pass


@dataclass(frozen=True)
class Redeem:
    ticket: Pass
    next_path: str


@dataclass(frozen=True)
class Redirect:
    location: str
    cookie: str | None = None
    """A sealed session to set (host-only) with the redirect, or None."""


@dataclass(frozen=True)
class Refuse:
    status: int
    reason: str


Decision = Proxy | Redeem | Redirect | Refuse


@dataclass(frozen=True)
class Keys:
    """What ``decide`` needs of the settings, as plain values."""

    base_domain: str
    ticket_secret: str
    session_secret: str
    open_url: str
    session_seconds: int


def instance_of_host(host: str, base_domain: str) -> str | None:
    """``jupyter-1-abc`` for ``jupyter-1-abc.workshops.example.org[:port]``, else None."""
    name, _, _port = host.strip().lower().partition(":")
    suffix = "." + base_domain.lower()
    if not name.endswith(suffix):
        return None
    label = name[: -len(suffix)]
    return label if _LABEL.match(label) else None


def open_flow(instance: str, next_path: str, keys: Keys) -> str:
    """The api's open flow for ``instance``; it comes back with a ticket and ``next``."""
    url = keys.open_url.format(instance=instance)
    if next_path != "/":
        url += ("&" if "?" in url else "?") + f"{NEXT_PARAMETER}={quote(next_path, safe='')}"
    return url


def decide(
    *,
    host: str,
    path: str,
    path_qs: str,
    ticket: str | None,
    next_raw: str | None,
    session: str | None,
    keys: Keys,
    now: float,
) -> Decision:
    instance = instance_of_host(host, keys.base_domain)
    if instance is None:
        return Refuse(404, "not a workshop host")
    if path == OPEN_PATH:
        if not ticket:
            return Redirect(open_flow(instance, safe_next(next_raw), keys))
        try:
            granted = unseal(ticket, keys.ticket_secret, purpose="ticket", now=now)
        except PassRefused as error:
            return Refuse(403, f"ticket refused: {error}")
        if granted.instance != instance:
            return Refuse(403, "ticket refused: it is for another workshop")
        return Redeem(granted, safe_next(next_raw))
    if session:
        try:
            admitted = unseal(session, keys.session_secret, purpose="session", now=now)
        except PassRefused:
            admitted = None  # expired or from an older key: go through the open flow again
        if admitted is not None:
            if admitted.instance != instance:
                return Refuse(403, "this session is for another workshop")
            return Proxy(admitted)
    return Redirect(open_flow(instance, safe_next(path_qs), keys))


def after_redemption(ticket: Pass, next_path: str, keys: Keys, *, now: float) -> Redirect:
    """To ``next_path`` without the ticket in the URL, with a session for the same admission."""
    session = Pass(
        purpose="session",
        instance=ticket.instance,
        subject=ticket.subject,
        role=ticket.role,
        namespace=ticket.namespace,
        expires_at=int(now) + keys.session_seconds,
    )
    return Redirect(next_path, cookie=seal(session, keys.session_secret))
