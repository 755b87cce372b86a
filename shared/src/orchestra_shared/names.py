"""Instance names: ``{course}-{session}-{random}``, always a valid RFC 1035 label.

The name is the instance's primary key, the Workshop's name, the name of its
Service and the first label of its hostname (``{name}.{base domain}``). A
Service name must be an RFC 1035 label (lowercase letters, digits and '-', at
most 63, *starting with a letter*), stricter than the RFC 1123 label other
objects accept, so every name starts with a letter whatever the slug: a slug
such as ``10x-genomics`` gets a ``ws-`` in front. The course part comes from
the template slug, the session part is a cohort or date tag, and the random
part makes names unguessable and collisions rare (the api retries on the rare
one).
"""

import re
import secrets
from datetime import date

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
RFC1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
LETTER_PREFIX = "ws-"  # in front of a course part that does not start with a letter
MAX_LABEL = 63
RANDOM_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # no vowels: no words by accident
RANDOM_LENGTH = 6


def is_dns_label(value: str) -> bool:
    """An RFC 1123 label: what Kubernetes accepts as a namespace, and as a host's label."""
    return len(value) <= MAX_LABEL and bool(DNS_LABEL.match(value))


def is_service_name(value: str) -> bool:
    """An RFC 1035 label (starts with a letter): what Kubernetes accepts as a Service name."""
    return len(value) <= MAX_LABEL and bool(RFC1035_LABEL.match(value))


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
    """Join the parts, shortening the course so the whole fits in one RFC 1035 label."""
    session_part = _clean(session)[:12] or "s"
    suffix_part = _clean(suffix) or random_suffix()
    course_part = _clean(course) or "ws"
    if not course_part[0].isalpha():
        course_part = LETTER_PREFIX + course_part
    room = MAX_LABEL - len(session_part) - len(suffix_part) - 2
    course_part = course_part[:room].rstrip("-")
    name = f"{course_part}-{session_part}-{suffix_part}"
    if not is_service_name(name):
        raise ValueError(f"cannot build an RFC 1035 label from {course!r}, {session!r}, {suffix!r}")
    return name
