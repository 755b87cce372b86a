"""Pure translation of a Workshop as the cluster shows it into an observation to record.

An observation is what sync writes: the phase with its reason, the URL, the
time the transition happened in the cluster (not when sync saw it) and the
object's resourceVersion, which orders observations so that an older state
never overwrites a newer one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from orchestra_shared import labels
from orchestra_shared.phases import PHASES, Phase


@dataclass(frozen=True)
class Observation:
    name: str
    namespace: str | None
    phase: Phase
    reason: str | None
    message: str | None
    url: str | None
    transitioned_at: datetime
    version: int


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def resource_version(obj: dict[str, Any]) -> int:
    """Kubernetes calls resourceVersion opaque; every server we target uses increasing integers."""
    try:
        return int(obj.get("metadata", {}).get("resourceVersion") or 0)
    except ValueError:
        return 0


def transition_time(status: dict[str, Any], fallback: datetime) -> datetime:
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Ready":
            stamp = parse_time(condition.get("lastTransitionTime"))
            if stamp is not None:
                return stamp
    return parse_time(status.get("phaseChangedAt")) or fallback


def observe(obj: dict[str, Any], *, deleted: bool, now: datetime) -> Observation | None:
    """None when the object says nothing to record yet (no phase written by the operator)."""
    meta = obj.get("metadata", {})
    status = obj.get("status") or {}
    if deleted:
        last = status.get("phase")
        annotations = meta.get("annotations") or {}
        reason = annotations.get(labels.TERMINATION_REASON) or (
            "failed" if last == "Failed" else "deleted"
        )
        message = status.get("message") if last == "Failed" else None
        return Observation(
            name=meta["name"],
            namespace=meta.get("namespace"),
            phase="Terminated",
            reason=reason,
            message=message,
            url=None,
            transitioned_at=parse_time(meta.get("deletionTimestamp")) or now,
            version=resource_version(obj),
        )
    phase = status.get("phase")
    if phase not in PHASES:
        return None
    return Observation(
        name=meta["name"],
        namespace=meta.get("namespace"),
        phase=phase,
        reason=status.get("reason"),
        message=status.get("message"),
        url=status.get("url"),
        transitioned_at=transition_time(status, now),
        version=resource_version(obj),
    )
