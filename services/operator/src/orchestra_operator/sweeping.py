"""Removing learner namespaces that nothing lives in any more.

A learner's namespace is created on their first launch and kept while it
holds a Workshop or a persistent workspace (a PVC with no owner, which
outlives sessions). When it holds neither, the resync marks it with the time
it was first seen empty (an annotation, so the grace period survives restarts
and changes of leader), clears the mark when something returns, and deletes it
once ``namespace_grace`` has passed. The delete is conditional on the
resourceVersion that was judged, and a launch clears the mark before it
creates anything, so a namespace is never swept from under a launch.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Literal

from orchestra_operator.cluster import NAMESPACES, PVCS, WORKSHOPS, ApiError, Cluster
from orchestra_operator.config import OperatorSettings
from orchestra_shared import labels

Body = dict[str, Any]
Verdict = Literal["keep", "mark", "unmark", "delete"]
log = logging.getLogger(__name__)

EMPTY_SINCE = f"{labels.GROUP}/empty-since"
LEARNER_NAMESPACES = f"{labels.LEARNER_NAMESPACE}=true,{labels.MANAGED_BY}={labels.MANAGER}"


def _stamp(now: datetime) -> str:
    return now.isoformat().replace("+00:00", "Z")


def verdict(namespace: Body, *, occupants: int, now: datetime, grace: timedelta) -> Verdict:
    """What to do with one learner namespace holding ``occupants`` workshops and workspaces."""
    meta = namespace.get("metadata") or {}
    if meta.get("deletionTimestamp"):
        return "keep"
    since = (meta.get("annotations") or {}).get(EMPTY_SINCE)
    if occupants:
        return "unmark" if since is not None else "keep"
    if since is None:
        return "mark"
    try:
        empty_since = datetime.fromisoformat(str(since).replace("Z", "+00:00"))
    except ValueError:
        return "mark"  # a mark we cannot read: start the grace period again
    return "delete" if now - empty_since >= grace else "keep"


def occupants_by_namespace(workshops: list[Body], claims: list[Body]) -> Counter[str]:
    """Workshops, and PVCs owned by nobody (persistent workspaces), per namespace."""
    counts: Counter[str] = Counter()
    for workshop in workshops:
        counts[workshop["metadata"]["namespace"]] += 1
    for claim in claims:
        if not claim["metadata"].get("ownerReferences"):
            counts[claim["metadata"]["namespace"]] += 1
    return counts


async def sweep_namespaces(cluster: Cluster, *, settings: OperatorSettings, now: datetime) -> None:
    learner_namespaces = await cluster.list(NAMESPACES, labels=LEARNER_NAMESPACES)
    if not learner_namespaces:
        return
    counts = occupants_by_namespace(
        await cluster.list(WORKSHOPS),
        await cluster.list(PVCS, labels=f"{labels.MANAGED_BY}={labels.MANAGER}"),
    )
    grace = timedelta(seconds=settings.namespace_grace)
    for namespace in learner_namespaces:
        meta = namespace["metadata"]
        name = meta["name"]
        action = verdict(namespace, occupants=counts[name], now=now, grace=grace)
        try:
            if action == "mark":
                await cluster.patch(
                    NAMESPACES, name, {"metadata": {"annotations": {EMPTY_SINCE: _stamp(now)}}}
                )
            elif action == "unmark":
                await cluster.patch(
                    NAMESPACES, name, {"metadata": {"annotations": {EMPTY_SINCE: None}}}
                )
            elif action == "delete":
                await cluster.delete(NAMESPACES, name, resource_version=meta["resourceVersion"])
                log.info("empty learner namespace deleted", extra={"namespace": name})
        except ApiError as error:
            if error.status not in (404, 409):
                raise
            # Changed since we read it (a launch, most likely): judge it again next round.
