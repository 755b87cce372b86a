"""Acting on ``terminate requested`` and ``extend requested`` for an existing Workshop.

Termination deletes the Workshop; its children follow through ownerReferences
(Kubernetes garbage collection), so nothing is left even if the operator stops
right after. Every terminate leaves a tombstone first (``tombstones.py``), whether
it finds the Workshop or not: its launch may still be to come (deferred, or
redelivered after a lost acknowledgement), and must then not run; and a terminate
that fails and is retried later must not let the launch behind it run meanwhile.
An extension only ever moves ``spec.expiresAt`` forward, so a stale or duplicated
event cannot shorten a workshop, and never beyond its template's ``maxDuration``
from the Workshop's creation (docs/src/content/docs/decisions/0052).

Before the delete, the learner's work folder is saved (``exporting.save``, bounded; a
failure is recorded and the Workshop deleted anyway), and the Workshop is annotated
with the archive so a redelivered terminate does not save it twice. ``export`` is the
same save for a running workshop whose learner asked for it (docs/src/content/docs/decisions/0060).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from orchestra_operator import exporting, labelling, namespaces
from orchestra_operator.cluster import WORKSHOPS, ApiError, Cluster
from orchestra_operator.config import OperatorSettings
from orchestra_operator.reporting import record_event
from orchestra_operator.tombstones import Tombstones
from orchestra_operator.vetting import admit_extension
from orchestra_shared import labels
from orchestra_shared.catalogs import Catalog
from orchestra_shared.events import ExportRequested, ExtendRequested, TerminateRequested

log = logging.getLogger(__name__)


async def locate(
    cluster: Cluster, owner: str, instance: str, settings: OperatorSettings
) -> tuple[str, dict[str, Any] | None]:
    """The namespace of a command's Workshop, and the Workshop if it is there.

    A claimed warm instance runs in the namespace it warmed in, not its learner's
    (docs/src/content/docs/decisions/0070); it is taken for the learner's only if its spec says the learner
    owns it. None found: the likeliest namespace, for the tombstone's and level's sake."""
    candidates = namespaces.workshop_namespaces(owner, instance, settings)
    for namespace in candidates:
        workshop = await cluster.get(WORKSHOPS, instance, namespace)
        if workshop is not None and (workshop.get("spec") or {}).get("owner") == owner:
            return namespace, workshop
    return candidates[0], None


async def terminate(
    event: TerminateRequested,
    *,
    cluster: Cluster,
    settings: OperatorSettings,
    tombstones: Tombstones,
    exporter: exporting.Exporter | None = None,
) -> bool:
    # Before anything else: from here on no launch of this instance runs, whatever the
    # order in which retries bring the commands back (instance names are never reused).
    await tombstones.bury(event.instance, event.reason)
    annotations: dict[str, str] = {labels.TERMINATION_REASON: event.reason}
    namespace, workshop = await locate(cluster, event.owner, event.instance, settings)
    if (
        workshop is not None
        and exporter is not None
        and exporting.EXPORTED not in (workshop["metadata"].get("annotations") or {})
    ):
        saved = await exporting.save(
            workshop, cluster=cluster, exporter=exporter, trigger="terminate", settings=settings
        )
        annotations[exporting.EXPORTED] = saved.key if saved else ""
    try:
        # Sync reads the reason from the deleted object's last state.
        marked = await cluster.patch(
            WORKSHOPS,
            event.instance,
            {"metadata": {"annotations": annotations}},
            namespace,
        )
    except ApiError as error:
        if error.status != 404:
            raise
        log.info("no workshop to terminate; tombstone left", extra={"workshop": event.instance})
        # A terminate retried after the delete still owes the namespace its level.
        await labelling.settle(namespace, cluster=cluster, leaving=event.instance)
        return False
    await record_event(
        cluster, marked, "Terminating", f"terminated, reason {event.reason}", settings=settings
    )
    deleted = await cluster.delete(WORKSHOPS, event.instance, namespace)
    await labelling.settle(namespace, cluster=cluster, leaving=event.instance)
    log.info(
        "workshop terminated" if deleted else "workshop already gone",
        extra={"workshop": event.instance, "reason": event.reason},
    )
    return deleted


def _instant(text: object) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


async def extend(
    event: ExtendRequested, *, cluster: Cluster, catalog: Catalog, settings: OperatorSettings
) -> bool:
    namespace, workshop = await locate(cluster, event.owner, event.instance, settings)
    if workshop is None:
        return False
    current = _instant(workshop["spec"]["expiresAt"])
    if event.expires_at <= current:
        return False
    slug = str(workshop["spec"]["template"])
    created_at = _instant(workshop["metadata"]["creationTimestamp"])
    admit_extension(event, catalog.get(slug), slug=slug, created_at=created_at)
    expires_at = event.expires_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    updated = await cluster.patch(
        WORKSHOPS, event.instance, {"spec": {"expiresAt": expires_at}}, namespace
    )
    await record_event(
        cluster,
        updated,
        "Extended",
        f"extension {event.extension}: now expires at {expires_at}",
        settings=settings,
    )
    return True


async def export(
    event: ExportRequested,
    *,
    cluster: Cluster,
    settings: OperatorSettings,
    exporter: exporting.Exporter | None,
) -> bool:
    """Save a running workshop's folder on its learner's request; False if nothing was."""
    if exporter is None:
        return False
    _, workshop = await locate(cluster, event.owner, event.instance, settings)
    if workshop is None or workshop["metadata"].get("deletionTimestamp"):
        return False
    saved = await exporting.save(
        workshop, cluster=cluster, exporter=exporter, trigger="requested", settings=settings
    )
    return saved is not None
