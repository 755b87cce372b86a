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


# Warm pools (docs/src/content/docs/decisions/0070): an instance started before a class belongs to the pool
# until a learner claims it. Its namespace is its own, named from the instance (a name the
# api never hands out twice), so no launch can aim a pool instance at an existing
# namespace and no two instances, nor two owners over time, share one.
POOL_OWNER_PREFIX = "pool:"


def pool_owner(class_id: str) -> str:
    return f"{POOL_OWNER_PREFIX}{class_id}"


def is_pool_owner(owner: str) -> bool:
    return owner.startswith(POOL_OWNER_PREFIX)


def pool_namespace(instance: str, *, prefix: str = "orchestra-pool-") -> str:
    """The namespace of one warm instance: a hash of its name, never reused."""
    digest = hashlib.sha256(f"warm:{instance}".encode()).hexdigest()
    return f"{prefix}{digest[:OWNER_HASH_LENGTH]}"
