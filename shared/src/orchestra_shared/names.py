"""Instance names: ``{course}-{session}-{random}``, always a valid DNS label.

The name is the instance's primary key, the Workshop's name and the first
label of its hostname (``{name}.{base domain}``), so it must be a lowercase
RFC 1123 label of at most 63 characters. The course part comes from the
template slug, the session part is a cohort or date tag, and the random part
makes names unguessable and collisions rare (the api retries on the rare one).
"""

import re
import secrets
from datetime import date

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
MAX_LABEL = 63
RANDOM_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # no vowels: no words by accident
RANDOM_LENGTH = 6


def is_dns_label(value: str) -> bool:
    return len(value) <= MAX_LABEL and bool(DNS_LABEL.match(value))


def _clean(part: str) -> str:
    """Lowercase, anything outside ``[a-z0-9]`` becomes a dash, no leading/trailing dash."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", part.lower()).strip("-")
    return re.sub(r"-{2,}", "-", cleaned)


def session_tag(day: date) -> str:
    """The default session part: the launch date, e.g. ``1122`` for 22 November."""
    return f"{day.month:02d}{day.day:02d}"


def random_suffix(length: int = RANDOM_LENGTH) -> str:
    return "".join(secrets.choice(RANDOM_ALPHABET) for _ in range(length))


def instance_name(course: str, session: str, suffix: str) -> str:
    """Join the parts, shortening the course so the whole fits in one DNS label."""
    session_part = _clean(session)[:12] or "s"
    suffix_part = _clean(suffix) or random_suffix()
    room = MAX_LABEL - len(session_part) - len(suffix_part) - 2
    course_part = _clean(course)[:room].rstrip("-") or "ws"
    name = f"{course_part}-{session_part}-{suffix_part}"
    if not is_dns_label(name):
        raise ValueError(f"cannot build a DNS label from {course!r}, {session!r}, {suffix!r}")
    return name
