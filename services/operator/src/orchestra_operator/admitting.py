"""Checks a launch must pass before the operator creates anything for it (pure).

The instance name is chosen by the api and is its primary key; here it also
becomes the Workshop's name, the first label of its host and part of child
names, so the operator refuses (dead-letters) a name that is not a DNS label,
a host that is not a DNS name, and a tier it cannot place, instead of failing
later in the API server or, worse, serving at the wrong host. Collisions with an
existing Workshop are checked in ``launching`` (they need the cluster).
"""

from __future__ import annotations

from orchestra_operator import manifests
from orchestra_operator.config import OperatorSettings
from orchestra_operator.errors import InvalidName, NameCollision, UnknownTier
from orchestra_shared import labels
from orchestra_shared.events import LaunchRequested
from orchestra_shared.names import is_dns_label

MAX_DNS_NAME = 253


def is_dns_name(value: str) -> bool:
    """A hostname: dot-separated RFC 1123 labels, at most 253 characters in all."""
    return (
        0 < len(value) <= MAX_DNS_NAME
        and not value.endswith(".")
        and all(is_dns_label(part) and part for part in value.split("."))
    )


def admit_launch(event: LaunchRequested, settings: OperatorSettings) -> None:
    """Raise the ``CommandRefused`` that says why this launch cannot run, or return."""
    if not is_dns_label(event.instance):
        raise InvalidName(f"instance name {event.instance!r} is not a DNS label")
    host = manifests.host(event.instance, settings)
    if not is_dns_name(host):
        raise InvalidName(f"host {host!r} is not a valid DNS name")
    if event.spec.tier not in settings.tiers:
        raise UnknownTier(
            f"tier {event.spec.tier!r} has no placement; known: {sorted(settings.tiers)}"
        )


def check_same_launch(event: LaunchRequested, existing: dict[str, object]) -> None:
    """An existing Workshop of this name must come from this very launch (a redelivery)."""
    metadata = existing.get("metadata")
    annotations = (metadata.get("annotations") if isinstance(metadata, dict) else None) or {}
    created_by = annotations.get(labels.LAUNCH_EVENT)
    if created_by != str(event.event_id):
        namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
        raise NameCollision(
            f"Workshop {event.instance!r} already exists in {namespace!r}, created by "
            f"launch {created_by!r}, not by this launch {event.event_id}"
        )
