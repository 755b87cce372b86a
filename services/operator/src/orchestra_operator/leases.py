"""The leader Lease (``coordination.k8s.io/v1``) as data: what to write, and when it is free.

Pure functions used by ``electing``. A Lease is free when nobody holds it, when
we hold it already, or when its holder has not renewed it for a whole
``leaseDurationSeconds`` *as measured by our own clock since we first saw that
version of it* (as client-go does): comparing the holder's ``renewTime`` with
our clock would trust two machines' clocks to agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orchestra_operator.config import OperatorSettings

Body = dict[str, Any]


def micro_time(moment: datetime) -> str:
    """Kubernetes ``MicroTime``: RFC 3339 with microseconds, in UTC."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def holder(lease: Body | None) -> str | None:
    return ((lease or {}).get("spec") or {}).get("holderIdentity") or None


def new_lease(settings: OperatorSettings, now: datetime) -> Body:
    """A Lease held by this replica from ``now``."""
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {
            "name": settings.lease_name,
            "namespace": settings.lease_namespace,
            "labels": {"app.kubernetes.io/name": "orchestra-operator"},
        },
        "spec": {
            "holderIdentity": settings.identity,
            "leaseDurationSeconds": settings.lease_duration,
            "acquireTime": micro_time(now),
            "renewTime": micro_time(now),
            "leaseTransitions": 0,
        },
    }


def is_free(lease: Body, *, identity: str, unchanged_for: float, default_duration: int) -> bool:
    """Whether ``identity`` may take ``lease``, whose version we have seen for ``unchanged_for`` s."""
    current = holder(lease)
    if current is None or current == identity:
        return True
    duration = (lease.get("spec") or {}).get("leaseDurationSeconds") or default_duration
    return unchanged_for >= float(duration)


def claim(lease: Body, settings: OperatorSettings, now: datetime) -> Body:
    """The merge patch that takes (or keeps) ``lease``; conditional on the version we read."""
    spec = lease.get("spec") or {}
    taking_over = holder(lease) != settings.identity
    patch_spec: Body = {
        "holderIdentity": settings.identity,
        "leaseDurationSeconds": settings.lease_duration,
        "renewTime": micro_time(now),
    }
    if taking_over:
        patch_spec["acquireTime"] = micro_time(now)
        patch_spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + 1
    return {
        "metadata": {"resourceVersion": lease["metadata"]["resourceVersion"]},
        "spec": patch_spec,
    }


def renewal(resource_version: str, now: datetime) -> Body:
    """The merge patch that renews a Lease we hold, if nobody wrote it since."""
    return {
        "metadata": {"resourceVersion": resource_version},
        "spec": {"renewTime": micro_time(now)},
    }


def release(resource_version: str) -> Body:
    """Give the Lease up on a clean stop, so another replica takes over at once."""
    return {
        "metadata": {"resourceVersion": resource_version},
        "spec": {"holderIdentity": None, "leaseDurationSeconds": 1},
    }
