"""Kubernetes Events on a Workshop, so ``kubectl describe ws`` tells its story.

Every step is told in one: the launch and the children its first reconcile
created go into its first phase's Event (one request, not three), then each
phase, each repair after drift, the failure and its reason, an extension, the
termination and the cleanup of a failed workshop. Each names the replica that
acted (``reportingInstance``), which is also how the two-replica test sees that only
the leader acts. Events are best effort: failing to record one must never fail
a reconcile. This is also the one place every step passes through, so metrics
of steps can hook in here.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from typing import Any

from orchestra_operator.cluster import EVENTS, ApiError, Cluster
from orchestra_operator.config import OperatorSettings

log = logging.getLogger(__name__)
COMPONENT = "orchestra-operator"


def event_manifest(
    workshop: dict[str, Any],
    reason: str,
    message: str,
    *,
    warning: bool,
    now: datetime,
    reporter: str,
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
        "source": {"component": COMPONENT, "host": reporter[:253]},
        "reportingComponent": COMPONENT,
        "reportingInstance": reporter[:128],
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
    }


async def record_event(
    cluster: Cluster,
    workshop: dict[str, Any],
    reason: str,
    message: str,
    *,
    settings: OperatorSettings,
    warning: bool = False,
) -> None:
    body = event_manifest(
        workshop,
        reason,
        message,
        warning=warning,
        now=datetime.now(UTC),
        reporter=settings.identity,
    )
    try:
        await cluster.create(EVENTS, body)
    except (ApiError, OSError) as error:
        log.warning("could not record a Kubernetes event", extra={"error": str(error)})
