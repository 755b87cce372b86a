"""How an owner (a learner's email) appears outside Postgres.

Raw emails never go into Kubernetes labels or namespace names: they are
personal data and not valid label values anyway. Every service that needs to
recognise a learner's objects derives the same short hash from here.
"""

import hashlib

OWNER_HASH_LENGTH = 16


def normalise_owner(email: str) -> str:
    """Emails compare case-insensitively across the platform."""
    return email.strip().lower()


def owner_hash(email: str) -> str:
    """A stable, label-safe pseudonym of the owner: 16 hex digits of SHA-256."""
    digest = hashlib.sha256(normalise_owner(email).encode()).hexdigest()
    return digest[:OWNER_HASH_LENGTH]


def learner_namespace(email: str, *, prefix: str = "orchestra-u-") -> str:
    """The namespace holding every workshop and workspace of one learner."""
    return f"{prefix}{owner_hash(email)}"
