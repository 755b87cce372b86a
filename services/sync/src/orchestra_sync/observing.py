"""Pure translation of a Workshop as the cluster shows it into an observation to record.

An observation is what sync writes: the current phase with its reason, the URL,
the conditions and the deadline the cluster enforces, and the transitions that
led there, each with the time it happened in the cluster (not when sync saw
it). The transitions come from ``status.transitions`` (the operator's bounded
log, so a restarted sync can replay what it missed); an operator that does not
write it still gives the latest transition (``phase`` and its condition's
``lastTransitionTime`` or ``phaseChangedAt``). The object's resourceVersion
orders observations so that an older state never overwrites a newer one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from orchestra_shared import labels
from orchestra_shared.phases import PHASES, Phase


@dataclass(frozen=True)
class Step:
    """One phase change, at the time the cluster made it."""

    phase: Phase
    reason: str | None
    message: str | None
    at: datetime


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
    # The phase changes that led here, oldest first; the last one is the current phase.
    steps: tuple[Step, ...] = ()
    conditions: list[dict[str, Any]] | None = None
    expires_at: datetime | None = None
    # Terminated only: True when the reason is a fallback, not the operator's annotation,
    # so a remembered terminate request may name the real one.
    reason_guessed: bool = False
    # Terminated only: True when the object gave no deletion time (``now`` stands in for it).
    time_guessed: bool = False
    # Vanished only: the resourceVersion of the list that no longer showed the Workshop;
    # anything recorded after it means the Workshop came back, so nothing vanished.
    absent_from_version: int | None = None
    # For tracing: the launch's trace context (annotation) and the template's slug.
    traceparent: str | None = None
    template: str | None = None


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
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


def logged_steps(status: dict[str, Any]) -> list[Step]:
    """``status.transitions`` as steps, oldest first; malformed entries are skipped."""
    steps = []
    for entry in status.get("transitions") or []:
        if not isinstance(entry, dict):
            continue
        at = parse_time(entry.get("time"))
        phase = entry.get("phase")
        if at is None or phase not in PHASES:
            continue
        steps.append(Step(phase, entry.get("reason"), entry.get("message"), at))
    return sorted(steps, key=lambda step: step.at)


def with_current(steps: list[Step], current: Step) -> tuple[Step, ...]:
    """The logged steps, ending with the current phase (added when the log lacks it)."""
    if not steps or steps[-1].phase != current.phase:
        steps = [*steps, current]
    return tuple(steps)


def conditions_of(status: dict[str, Any]) -> list[dict[str, Any]] | None:
    conditions = status.get("conditions")
    return [c for c in conditions if isinstance(c, dict)] if isinstance(conditions, list) else None


def _trace_fields(obj: dict[str, Any]) -> dict[str, Any]:
    annotations = obj.get("metadata", {}).get("annotations") or {}
    template = (obj.get("spec") or {}).get("template")
    return {
        "traceparent": annotations.get(labels.TRACEPARENT),
        "template": template if isinstance(template, str) else None,
    }


def observe(obj: dict[str, Any], *, deleted: bool, now: datetime) -> Observation | None:
    """None when the object says nothing to record yet (no phase written by the operator)."""
    meta = obj.get("metadata", {})
    status = obj.get("status") or {}
    expires_at = parse_time(status.get("expiresAt")) or parse_time(
        (obj.get("spec") or {}).get("expiresAt")
    )
    last = status.get("phase")
    history = logged_steps(status) if last in PHASES else []
    if last in PHASES:
        history = list(
            with_current(
                history,
                Step(
                    last, status.get("reason"), status.get("message"), transition_time(status, now)
                ),
            )
        )
    if deleted:
        annotations = meta.get("annotations") or {}
        annotated = annotations.get(labels.TERMINATION_REASON)
        reason = annotated or ("failed" if last == "Failed" else "deleted")
        message = status.get("message") if last == "Failed" else None
        deleted_at = parse_time(meta.get("deletionTimestamp"))
        at = deleted_at or now
        return Observation(
            name=meta["name"],
            namespace=meta.get("namespace"),
            phase="Terminated",
            reason=reason,
            message=message,
            url=None,
            transitioned_at=at,
            version=resource_version(obj),
            steps=(*history, Step("Terminated", reason, message, at)),
            conditions=conditions_of(status),
            expires_at=expires_at,
            reason_guessed=not annotated,
            time_guessed=deleted_at is None,
            **_trace_fields(obj),
        )
    if last not in PHASES:
        return None
    current = history[-1]
    return Observation(
        name=meta["name"],
        namespace=meta.get("namespace"),
        phase=last,
        reason=status.get("reason"),
        message=status.get("message"),
        url=status.get("url"),
        transitioned_at=current.at,
        version=resource_version(obj),
        steps=tuple(history),
        conditions=conditions_of(status),
        expires_at=expires_at,
        **_trace_fields(obj),
    )


def vanished(name: str, *, listed_version: int, now: datetime) -> Observation:
    """A Workshop sync saw once and a fresh list no longer shows: deleted while not watching."""
    return Observation(
        name=name,
        namespace=None,
        phase="Terminated",
        reason="vanished",
        message="the workshop was deleted while sync was not watching",
        url=None,
        transitioned_at=now,
        version=0,
        steps=(
            Step(
                "Terminated",
                "vanished",
                "the workshop was deleted while sync was not watching",
                now,
            ),
        ),
        reason_guessed=True,
        time_guessed=True,
        absent_from_version=listed_version,
    )
