"""Acting on ``launch requested``: the template, admission, the learner's namespace, then
the Workshop.

The Workshop's spec is resolved here from the operator's own catalog, by the slug the
launch names (docs/src/content/docs/decisions/0052): the message says which template and until when, never
what image to run with which arguments.

Idempotent by construction: every object is created only if missing, and the
Workshop is named after the instance and annotated with the launch's event id,
so a redelivered (or re-published) launch finds its own Workshop and does
nothing more. A Workshop of that name made by a *different* launch is a name
collision, refused rather than silently taken for a redelivery: the name is
also the workshop's host, which must lead to one learner only. Kopf takes over
from the Workshop's creation.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from orchestra_operator import namespaces
from orchestra_operator.cluster import NAMESPACES, WORKSHOPS, ApiError, Cluster
from orchestra_operator.config import OperatorSettings
from orchestra_operator.ensuring import create_or_ensure, ensure, repair
from orchestra_operator.errors import CommandDeferred
from orchestra_operator.labelling import required_level
from orchestra_operator.namespaces import namespace_level
from orchestra_operator.sweeping import EMPTY_SINCE
from orchestra_operator.tombstones import Tombstones
from orchestra_operator.vetting import admit_launch, check_same_launch, resolve_template
from orchestra_shared import labels
from orchestra_shared.catalogs import Catalog
from orchestra_shared.events import LaunchRequested
from orchestra_shared.templates import DEFAULT_SECURITY_PROFILE, SecurityProfile, Template
from orchestra_shared.workshops import spec_from_template, workshop_manifest

log = logging.getLogger(__name__)


def workshop_for(
    event: LaunchRequested,
    template: Template,
    settings: OperatorSettings,
    traceparent: str | None,
) -> dict[str, object]:
    """The Workshop of this launch: the catalog's template, the learner, the deadline (pure)."""
    annotations = {labels.LAUNCH_EVENT: str(event.event_id)}
    if traceparent:
        annotations[labels.TRACEPARENT] = traceparent
    return workshop_manifest(
        name=event.instance,
        namespace=namespaces.workshop_namespaces(event.owner, event.instance, settings)[0],
        spec=spec_from_template(template, owner=event.owner, expires_at=event.expires_at),
        annotations=annotations,
    )


async def existing_workshop(cluster: Cluster, name: str) -> dict[str, object] | None:
    """The Workshop of that name in any namespace: hosts are cluster-wide, names too."""
    found = await cluster.list(WORKSHOPS, fields=f"metadata.name={name}")
    return found[0] if found else None


async def prepare_namespace(
    owner: str,
    *,
    cluster: Cluster,
    settings: OperatorSettings,
    profile: SecurityProfile = "restricted",
    where: str | None = None,
) -> None:
    """Create or repair the learner's namespace and its guard rails; keep the sweeper off it.

    Its Pod Security level admits the learner's Workshops and one more of ``profile``.
    The namespace is created without being read first: a learner's first launch (the
    common case in a class's burst) then creates everything without reading anything
    (nor listing the Workshops of a namespace that is not there); a returning
    learner's launch pays a 409 and reads it instead.

    ``where``: a warm instance's own namespace (docs/src/content/docs/decisions/0070), built with the same
    guard rails for its owner (the pool, then the learner who claims it).
    """
    name = where or namespaces.namespace_name(owner, settings)
    objects = namespaces.learner_objects(owner, settings, namespace_level([profile]), where=name)
    try:
        await cluster.create(NAMESPACES, objects[0])
    except ApiError as error:
        if error.status != 409:
            raise
        found = await cluster.get(NAMESPACES, name)
        if found is None:
            raise CommandDeferred(f"namespace {name} vanished right after a conflict") from error
    else:
        for obj in objects[1:]:
            await create_or_ensure(cluster, obj)
        return
    level = await required_level(name, cluster=cluster, adding=profile)
    for obj in namespaces.learner_objects(owner, settings, level, where=name):
        if obj["kind"] == "Namespace":
            actual, _ = await repair(cluster, obj, found)
            await _keep_namespace(cluster, actual)
        else:
            await ensure(cluster, obj)


async def _keep_namespace(cluster: Cluster, namespace: dict[str, Any]) -> None:
    """Refuse a namespace on its way out; take a sweeper's mark off one that stays."""
    meta = namespace.get("metadata") or {}
    if meta.get("deletionTimestamp"):
        raise CommandDeferred(f"namespace {meta.get('name')} is being deleted; retry later")
    if EMPTY_SINCE in (meta.get("annotations") or {}):
        # A changed resourceVersion also voids a sweep that read it before this.
        await cluster.patch(
            NAMESPACES, meta["name"], {"metadata": {"annotations": {EMPTY_SINCE: None}}}
        )


async def launch(
    event: LaunchRequested,
    *,
    cluster: Cluster,
    catalog: Catalog,
    settings: OperatorSettings,
    tombstones: Tombstones,
    traceparent: str | None = None,
) -> bool:
    """Make sure the Workshop exists; returns False when it already did (a redelivery)
    or when the instance was terminated before its launch got here."""
    template = resolve_template(event, catalog)
    admit_launch(event, template, settings, now=datetime.now(UTC))
    existing = await existing_workshop(cluster, event.instance)
    if existing is not None:
        check_same_launch(event, existing)
        log.info("launch redelivered; workshop exists", extra={"workshop": event.instance})
        return False
    if await tombstones.buried(event.instance):
        log.info("launch skipped: terminated before it ran", extra={"workshop": event.instance})
        return False
    await prepare_namespace(
        event.owner,
        cluster=cluster,
        settings=settings,
        profile=template.security_profile or DEFAULT_SECURITY_PROFILE,
        where=namespaces.workshop_namespaces(event.owner, event.instance, settings)[0],
    )
    body = workshop_for(event, template, settings, traceparent)
    try:
        created = await cluster.create(WORKSHOPS, body)
    except ApiError as error:
        if error.status != 409:
            raise
        raced = await existing_workshop(cluster, event.instance)
        if raced is None:
            raise CommandDeferred("workshop vanished right after a conflict") from error
        check_same_launch(event, raced)
        return False
    # No Event of its own: the first reconcile's phase Event tells the launch, with the
    # children it created (one request per launch instead of three, docs/src/content/docs/benchmarks/burst.md).
    log.info(
        "workshop created",
        extra={
            "workshop": event.instance,
            "template": event.template_slug,
            "uid": created["metadata"].get("uid"),
        },
    )
    return True
