"""Pure builders of what the reconcile writes to a Workshop's status.

Kept apart from ``reconciling`` (the I/O) so that each rule of the status, when it is
written and what a phase change adds, is tested with plain dicts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from orchestra_operator.assessing import Assessment
from orchestra_shared.workshops import TRANSITIONS_KEPT

Body = dict[str, Any]


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: str | None, default: datetime) -> datetime:
    if not value:
        return default
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def invalid_spec_status(error: ValidationError, now: datetime) -> Body:
    """A Workshop written by hand (or by a newer operator) that this one cannot run."""
    problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:5])
    return {
        "phase": "Failed",
        "reason": "InvalidSpec",
        "message": f"the Workshop's spec is invalid: {problems}",
        "phaseChangedAt": now.isoformat().replace("+00:00", "Z"),
    }


def appended_transition(status: Body, assessment: Assessment, when: str) -> list[Body]:
    """The status's transition log with this phase change added, the oldest dropped (pure)."""
    entry: Body = {
        "phase": assessment.phase,
        "reason": assessment.reason,
        "message": assessment.message,
        "time": when,
    }
    kept = list(status.get("transitions") or [])
    return [*kept, entry][-TRANSITIONS_KEPT:]


def status_patch(
    workshop: Body, assessment: Assessment, *, url: str, expires_at: datetime, now: datetime
) -> Body | None:
    """The status to write for ``assessment``, or None when the status says it already."""
    meta = workshop["metadata"]
    status = workshop.get("status") or {}
    deadline = stamp(expires_at)
    if (
        status.get("phase") == assessment.phase
        and status.get("reason") == assessment.reason
        and status.get("url") == url
        and status.get("expiresAt") == deadline
    ):
        return None
    when = stamp(now)
    patch: Body = {
        "phase": assessment.phase,
        "reason": assessment.reason,
        "message": assessment.message,
        "url": url,
        "observedGeneration": meta.get("generation"),
        "expiresAt": deadline,
    }
    if status.get("phase") != assessment.phase:
        patch["phaseChangedAt"] = when
        patch["conditions"] = [
            {
                "type": "Ready",
                "status": "True" if assessment.phase == "Ready" else "False",
                "reason": assessment.reason or assessment.phase,
                "message": assessment.message or "",
                "lastTransitionTime": when,
            }
        ]
        if assessment.phase == "Ready":
            patch["readyAt"] = when
        # A short log of phase changes lets sync replay what it missed while down.
        patch["transitions"] = appended_transition(status, assessment, when)
    return patch
