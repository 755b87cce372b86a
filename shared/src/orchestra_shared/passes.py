"""Passes to a workshop: the proof the api issues and the workshop gate checks.

A pass says who (``subject``) may enter which instance (``instance``), in what
role, until when. The api mints a short-lived ``ticket`` when a learner clicks
Open; the gate redeems it once and answers with a ``session`` pass in a cookie
for that workshop's host alone. Both are the same sealed format, told apart by
``purpose`` (and by their keys), so neither can stand in for the other.

The role is part of the contract so that more than the owner can be admitted
later (a class's instructors, invited collaborators) without changing the gate:
the api decides who may open an instance; the gate only checks that the pass is
genuine, unexpired, and for the host it arrived at.

The seal is HMAC-SHA256 over the base64url of the JSON payload (a format of our
own, not JWT: one algorithm, no header to negotiate, nothing to get wrong).
Pure functions; the api and the gate call them, and they are tested without I/O.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

PASS_VERSION: Literal[1] = 1
# The one path of a workshop host the gate answers itself (applications do not use it),
# and its query parameters: the api sends the browser to {workshop url}{OPEN_PATH}?ticket=…
OPEN_PATH = "/_orchestra/open"
TICKET_PARAMETER = "ticket"
NEXT_PARAMETER = "next"
Purpose = Literal["ticket", "session"]
Role = Literal["owner", "instructor", "collaborator"]
# Secrets shorter than this are refused: 32 bytes is the HMAC-SHA256 block of entropy.
MIN_SECRET_LENGTH = 32
# Values a deployment must never run with; the services' settings refuse them outside dev.
# The default of every pass secret: fine on loopback, refused anywhere else.
DEVELOPMENT_SECRET = "development-only-not-a-secret-000000"
PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", DEVELOPMENT_SECRET})


class Pass(BaseModel):
    """Who may enter which instance until when; frozen, and nothing else is accepted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1] = PASS_VERSION
    purpose: Purpose
    instance: str = Field(min_length=1, max_length=63)
    subject: str = Field(min_length=1, max_length=320, description="Email of who is admitted.")
    role: Role = "owner"
    namespace: str = Field(
        min_length=1, max_length=63, description="Where the instance runs: the gate routes there."
    )
    expires_at: int = Field(description="Unix seconds after which the pass is refused.")
    id: str = Field(
        default_factory=lambda: secrets.token_urlsafe(16),
        min_length=16,
        max_length=64,
        description="Random; a ticket's id is what makes it single-use.",
    )


class PassRefused(Exception):
    """A pass that is not genuine, not for this purpose, or expired; the message says which."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, purpose: Purpose, body: str) -> str:
    # The purpose is mixed into the key: a session cookie never verifies as a ticket.
    key = hashlib.sha256(f"orchestra-pass/{purpose}/".encode() + secret.encode()).digest()
    return _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())


def seal(granted: Pass, secret: str) -> str:
    """The pass as ``body.mac``: URL- and cookie-safe."""
    body = _b64(json.dumps(granted.model_dump(), separators=(",", ":")).encode())
    return f"{body}.{_mac(secret, granted.purpose, body)}"


def unseal(token: str, secret: str, *, purpose: Purpose, now: float) -> Pass:
    """The pass in ``token`` if it is genuine, for ``purpose`` and unexpired; else ``PassRefused``."""
    body, dot, mac = token.partition(".")
    if not dot or not body or len(token) > 4096:
        raise PassRefused("malformed")
    if not hmac.compare_digest(mac.encode(), _mac(secret, purpose, body).encode()):
        raise PassRefused("bad seal")
    try:
        granted = Pass.model_validate_json(_unb64(body))
    except (ValidationError, ValueError, binascii.Error) as error:
        raise PassRefused("malformed") from error
    if granted.purpose != purpose:
        raise PassRefused(f"a {granted.purpose}, not a {purpose}")
    if granted.expires_at <= now:
        raise PassRefused("expired")
    return granted


def safe_next(raw: str | None) -> str:
    """A ``next`` the api and the gate both accept: a path on the workshop's own host, or ``/``
    (never another host: ``//evil``, ``/\\evil``, a URL, or control characters)."""
    if not raw or not raw.startswith("/") or raw.startswith(("//", "/\\")):
        return "/"
    return "/" if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw) else raw


def weak_secret(secret: str) -> str | None:
    """Why ``secret`` must not seal passes outside development, or None if it may."""
    if secret in PLACEHOLDER_SECRETS:
        return "is a placeholder"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    return None
