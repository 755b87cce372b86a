"""Kubernetes Events on a Workshop, so ``kubectl describe ws`` tells its story.

Events are best effort: failing to record one must never fail a reconcile.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from typing import Any

from orchestra_operator.cluster import EVENTS, ApiError, Cluster

log = logging.getLogger(__name__)


def event_manifest(
    workshop: dict[str, Any], reason: str, message: str, *, warning: bool, now: datetime
) -> dict[str, Any]:
    meta = workshop["metadata"]
    stamp = now.isoformat().replace("+00:00", "Z")
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{meta['name']}.{secrets.token_hex(6)}",
            "namespace": meta["namespace"],
        },
        "involvedObject": {
            "apiVersion": workshop.get("apiVersion", "orchestra.io/v1"),
            "kind": "Workshop",
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta.get("uid"),
        },
        "reason": reason,
        "message": message[:1000],
        "type": "Warning" if warning else "Normal",
        "source": {"component": "orchestra-operator"},
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
    }


async def record_event(
    cluster: Cluster, workshop: dict[str, Any], reason: str, message: str, *, warning: bool = False
) -> None:
    try:
        await cluster.create(
            EVENTS,
            event_manifest(workshop, reason, message, warning=warning, now=datetime.now(UTC)),
        )
    except (ApiError, OSError) as error:
        log.warning("could not record a Kubernetes event", extra={"error": str(error)})
