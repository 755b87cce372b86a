"""Kopf handlers for Workshops and their children.

Only ``on.event`` handlers are used: they need no finalizer, so deleting a
Workshop while the operator is down is never blocked (cleanup rides on
ownerReferences), and they store nothing on the object. Every event of a
Workshop, or of a child labelled with its name, triggers a level-based
reconcile of that Workshop; the periodic resync in ``resyncing.py`` covers
timeouts and anything a watch missed.
"""

from __future__ import annotations

import logging
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
    ("apps", "v1", "deployments"),
    ("", "v1", "pods"),
    ("", "v1", "services"),
    ("", "v1", "persistentvolumeclaims"),
    ("networking.k8s.io", "v1", "ingresses"),
    ("networking.k8s.io", "v1", "networkpolicies"),
)


def register(registry: kopf.OperatorRegistry, reconciler: Reconciler) -> None:
    """Attach the handlers to ``registry``; nothing is registered at import time."""

    @kopf.on.event(GROUP, VERSION, PLURAL, registry=registry)
    async def workshop_changed(type: str, body: kopf.Body, **_: Any) -> None:
        if type == "DELETED":
            return
        try:
            await reconciler.reconcile(dict(body))
        except (ApiError, OSError) as error:
            log.warning("reconcile failed; the resync retries", extra={"error": str(error)})
        except Exception:
            log.exception("unexpected failure reconciling a workshop; the resync retries")

    for group, version, plural in CHILD_KINDS:

        @kopf.on.event(
            group,
            version,
            plural,
            labels={labels.MANAGED_BY: labels.MANAGER, labels.WORKSHOP: kopf.PRESENT},
            registry=registry,
            id=f"child-{plural}",
        )
        async def child_changed(body: kopf.Body, **_: Any) -> None:
            name = body.metadata.labels.get(labels.WORKSHOP)
            namespace = body.metadata.namespace
            if not name or not namespace:
                return
            try:
                await reconciler.reconcile_named(namespace, name)
            except (ApiError, OSError) as error:
                log.warning("reconcile failed; the resync retries", extra={"error": str(error)})
