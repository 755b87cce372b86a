"""Checks a launch must pass before the operator creates anything for it (pure).

A launch names a template; the operator runs only what its own copy of the
catalog says about that template (docs/src/content/docs/decisions/0052), so a slug the catalog does
not have, or has disabled, is refused (dead-lettered) here, and so is a
deadline further away than the template's ``maxDuration`` allows, at launch and
on every extension. The instance name is chosen by the api and is its primary
key; here it also becomes the Workshop's name, the Service's name, the first label of its host
and part of child names, so the operator refuses a name that is not an
RFC 1035 label, a host that is not a DNS name, and a tier it cannot place,
instead of failing later in the API server or, worse, serving at the wrong
host. Collisions with an existing Workshop are checked in ``launching`` (they
need the cluster).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from orchestra_operator import manifests
from orchestra_operator.config import OperatorSettings
from orchestra_operator.errors import (
    DeadlineRefused,
    InvalidName,
    NameCollision,
    UnknownTemplate,
    UnknownTier,
)
from orchestra_shared import labels
from orchestra_shared.catalogs import Catalog
from orchestra_shared.durations import format_duration
from orchestra_shared.events import ExtendRequested, LaunchRequested
from orchestra_shared.names import is_dns_label, is_service_name
from orchestra_shared.owners import is_pool_owner
from orchestra_shared.templates import Template

MAX_DNS_NAME = 253
CLOCK_SKEW = timedelta(minutes=5)
"""How far the api's clock may run ahead of the operator's before a deadline at the
template's maximum looks too far away."""


def is_dns_name(value: str) -> bool:
    """A hostname: dot-separated RFC 1123 labels, at most 253 characters in all."""
    return (
        0 < len(value) <= MAX_DNS_NAME
        and not value.endswith(".")
        and all(is_dns_label(part) and part for part in value.split("."))
    )


def resolve_template(event: LaunchRequested, catalog: Catalog) -> Template:
    """The catalog's template for this launch; refused if unknown or disabled."""
    template = catalog.get(event.template_slug)
    if template is None:
        raise UnknownTemplate(
            f"template {event.template_slug!r} is not in the operator's catalog; "
            f"known: {sorted(catalog.templates)}"
        )
    if not template.enabled:
        raise UnknownTemplate(f"template {event.template_slug!r} is disabled in the catalog")
    return template


def admit_launch(
    event: LaunchRequested, template: Template, settings: OperatorSettings, *, now: datetime
) -> None:
    """Raise the ``CommandRefused`` that says why this launch cannot run, or return."""
    if not is_service_name(event.instance):
        raise InvalidName(
            f"instance name {event.instance!r} is not a DNS label starting with a letter "
            "(RFC 1035), as a Service name must be"
        )
    host = manifests.host(event.instance, settings)
    if not is_dns_name(host):
        raise InvalidName(f"host {host!r} is not a valid DNS name")
    if template.tier not in settings.tiers:
        raise UnknownTier(
            f"tier {template.tier!r} of template {template.slug!r} has no placement; "
            f"known: {sorted(settings.tiers)}"
        )
    storage = template.storage
    if is_pool_owner(event.owner) and storage and storage.workspace and storage.workspace.persist:
        raise UnknownTemplate(
            f"template {template.slug!r} keeps a per-learner workspace: it cannot be pooled "
            "(a warm instance does not run in its learner's namespace)"
        )
    latest = now + template.max_duration + CLOCK_SKEW
    if event.expires_at > latest:
        raise DeadlineRefused(
            f"deadline {event.expires_at.isoformat()} is beyond the "
            f"{format_duration(template.max_duration)} that template {template.slug!r} allows"
        )


def admit_extension(
    event: ExtendRequested, template: Template | None, *, slug: str, created_at: datetime
) -> None:
    """An extension stays within the template's ``maxDuration`` from the Workshop's creation
    (the api's rule counts from the instance's, a moment earlier); refused otherwise."""
    if template is None:
        raise UnknownTemplate(f"template {slug!r} of this workshop is not in the catalog any more")
    latest = created_at + template.max_duration + CLOCK_SKEW
    if event.expires_at > latest:
        raise DeadlineRefused(
            f"extension to {event.expires_at.isoformat()} is beyond the "
            f"{format_duration(template.max_duration)} that template {slug!r} allows"
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
