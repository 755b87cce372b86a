"""Who signed in on the development sign-in page: a cookie signed with a per-run secret.

Pure functions (no HTTP), so the rules are tested alone: the cookie carries
an email and whether the person chose to be an admin, with an HMAC so that a
browser cannot edit it into someone else; the secret is drawn anew each time
the dev stack starts, so old cookies simply stop working. Used by ``proxying``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass

COOKIE = "_orchestra_dev_signin"
EMAIL = re.compile(r"^[^@\s,;<>\"]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,63}$")


class BadEmail(ValueError):
    """Not an address the sign-in page accepts."""


@dataclass(frozen=True)
class DevIdentity:
    email: str
    admin: bool


def checked_email(text: str) -> str:
    email = text.strip().lower()
    if not EMAIL.fullmatch(email):
        raise BadEmail(f"{text.strip() or 'an empty email'!r} is not an email address")
    return email


def sign(identity: DevIdentity, secret: bytes) -> str:
    payload = base64.urlsafe_b64encode(
        json.dumps({"email": identity.email, "admin": identity.admin}).encode()
    ).decode()
    mac = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload}.{mac}"


def verify(cookie: str | None, secret: bytes) -> DevIdentity | None:
    """The identity in a cookie this run signed, or None for anything else."""
    if not cookie or "." not in cookie:
        return None
    payload, _, mac = cookie.rpartition(".")
    expected = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
        return DevIdentity(email=checked_email(str(data["email"])), admin=data["admin"] is True)
    except (ValueError, KeyError, TypeError):
        return None


def safe_return_path(rd: str | None) -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    if not rd or not rd.startswith("/") or rd.startswith("//") or "\\" in rd:
        return "/"
    return rd
