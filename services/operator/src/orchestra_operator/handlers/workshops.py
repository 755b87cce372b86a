"""Kopf handlers for Workshops and their children.

Only ``on.event`` handlers are used: they need no finalizer, so deleting a
Workshop while the operator is down is never blocked (cleanup rides on
ownerReferences), and they store nothing on the object. Every event of a
Workshop, or of a child labelled with its name, asks for a reconcile of that
Workshop, with the body the event carries, so that the reconcile does only what
that event can have changed (``reconciling``); the periodic resync in
``resyncing.py`` covers timeouts and anything a watch missed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import kopf

from orchestra_operator.cluster import ApiError
from orchestra_operator.reconciling import Reconciler
from orchestra_shared import labels
from orchestra_shared.workshops import GROUP, PLURAL, VERSION

log = logging.getLogger(__name__)
# Every child we create carries these labels; the watches ask the server for them only.
CHILDREN = f"{labels.MANAGED_BY}={labels.MANAGER},{labels.WORKSHOP}"

CHILD_KINDS = (
    ("apps", "v1", "deployments", "Deployment"),
    ("", "v1", "pods", "Pod"),
    ("", "v1", "services", "Service"),
    ("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
    ("networking.k8s.io", "v1", "ingresses", "Ingress"),
    ("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy"),
)


class NoDiffBase(kopf.DiffBaseStorage):
    """Kopf's diff base, for handlers that have none.

    Kopf builds a deep copy of every object on every event (and reads the one stored in its
    annotation) to tell ``on.create``/``on.update`` handlers what changed. Only ``on.event``
    handlers are registered here, so nothing reads it: at a class's burst those copies were
    a tenth of the operator's CPU (docs/src/content/docs/benchmarks/burst.md). This one
    builds an empty essence and stores nothing.
    """

    def build(self, *, body: kopf.Body, extra_fields: Any = None) -> kopf.BodyEssence:
        return kopf.BodyEssence()

    def fetch(self, *, body: kopf.Body) -> kopf.BodyEssence | None:
        return None

    def store(self, *, body: kopf.Body, patch: kopf.Patch, essence: kopf.BodyEssence) -> None:
        return None


def register(registry: kopf.OperatorRegistry, reconciler: Reconciler) -> None:
    """Attach the handlers to ``registry``; nothing is registered at import time."""

    @kopf.on.event(GROUP, VERSION, PLURAL, registry=registry)
    async def workshop_changed(type: str, body: kopf.Body, **_: Any) -> None:
        try:
            await reconciler.workshop_event(dict(body), deleted=type == "DELETED")
        except (ApiError, OSError) as error:
            _report(error)
        except Exception:
            log.exception("unexpected failure reconciling a workshop; the resync retries")

    for group, version, plural, kind in CHILD_KINDS:
        kopf.on.event(
            group,
            version,
            plural,
            labels={labels.MANAGED_BY: labels.MANAGER, labels.WORKSHOP: kopf.PRESENT},
            registry=registry,
            id=f"child-{plural}",
        )(_child_handler(reconciler, kind))


def _child_handler(reconciler: Reconciler, kind: str) -> Callable[..., Awaitable[None]]:
    """The handler of one child kind: the child's body goes along, so the reconcile need
    read neither it nor its siblings (``reconciling``)."""

    async def child_changed(type: str, body: kopf.Body, **_: Any) -> None:
        name = body.metadata.labels.get(labels.WORKSHOP)
        namespace = body.metadata.namespace
        if not name or not namespace:
            return
        try:
            await reconciler.child_event(
                namespace, name, kind, dict(body), deleted=type == "DELETED"
            )
        except (ApiError, OSError) as error:
            _report(error)

    return child_changed


def failure_level(error: ApiError | OSError) -> int:
    """How loudly to report a failed reconcile.

    A 404 means what it acted on was deleted meanwhile (a terminate, its
    namespace going): routine at the end of every workshop, and at a class's
    end hundreds of warnings that hid the real ones. Anything else is a warning.
    """
    if isinstance(error, ApiError) and error.status == 404:
        return logging.DEBUG
    return logging.WARNING


def _report(error: ApiError | OSError) -> None:
    log.log(
        failure_level(error), "reconcile failed; the resync retries", extra={"error": str(error)}
    )
