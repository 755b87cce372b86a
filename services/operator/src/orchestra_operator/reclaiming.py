"""Deleting a learner's unused persistent workspace when the retention rule says so.

The api keeps the record of when each workspace was last used, warns its learner and,
once ``RetentionSettings.workspaces`` has passed, queues ``workspace delete requested``
(docs/src/content/docs/decisions/0062); the operator, the only service with Kubernetes rights, deletes the
volume (``workspace-{template}`` in the learner's namespace). It deletes only what is a
workspace (a claim it manages, owned by no Workshop) and never while a Workshop of that
template is in the namespace: a launch that slipped in after the decision keeps its
volume. A claim already gone is done (a redelivery, a second replica): each volume
deleted counts once in ``orchestra_retention_deleted_total{rule="workspaces"}``. Once the
namespace holds nothing more, the sweep removes it as usual. Called by ``subscribers``.
"""

from __future__ import annotations

import logging

from orchestra_operator import namespaces
from orchestra_operator.cluster import PVCS, WORKSHOPS, Cluster
from orchestra_operator.config import OperatorSettings
from orchestra_operator.manifests import workspace_claim_name
from orchestra_shared import labels
from orchestra_shared.events import WorkspaceDeleteRequested
from orchestra_shared.reaping import DELETED

log = logging.getLogger(__name__)


async def delete_workspace(
    event: WorkspaceDeleteRequested, *, cluster: Cluster, settings: OperatorSettings
) -> bool:
    """Delete the workspace the event names; True if this call deleted it."""
    namespace = namespaces.namespace_name(event.owner, settings)
    claim = workspace_claim_name(event.template_slug)
    found = await cluster.get(PVCS, claim, namespace)
    if found is None:
        return False
    meta = found["metadata"]
    if meta.get("ownerReferences") or (meta.get("labels") or {}).get(labels.MANAGED_BY) != (
        labels.MANAGER
    ):
        log.warning("not a workspace of ours; kept", extra={"claim": claim, "namespace": namespace})
        return False
    workshops = await cluster.list(WORKSHOPS, namespace)
    if any(
        (w.get("spec") or {}).get("template") == event.template_slug
        and not w["metadata"].get("deletionTimestamp")
        for w in workshops
    ):
        log.info("workspace in use again; kept", extra={"claim": claim, "namespace": namespace})
        return False
    deleted = await cluster.delete(
        PVCS, claim, namespace, resource_version=meta.get("resourceVersion")
    )
    if deleted:
        DELETED.labels("workspaces").inc()
        log.info(
            "unused workspace deleted",
            extra={"claim": claim, "namespace": namespace, "unused_since": event.last_used_at},
        )
    return deleted
