"""Pure assessment of a Workshop's phase from what the cluster shows.

Input: the Workshop's current status, its Deployment and Pods, its age, its
startup timeout and the clock. Output: the phase, reason and message to write.
No I/O, so every failure path is unit-tested with plain dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from orchestra_shared.phases import Phase

Body = dict[str, Any]

# Container waiting reasons that will not fix themselves: fail fast, tell the learner why.
FATAL_WAITING = {
    "ImagePullBackOff": "the image could not be pulled",
    "ErrImagePull": "the image could not be pulled",
    "InvalidImageName": "the image name is invalid",
    "CrashLoopBackOff": "the workshop keeps crashing on start",
    "CreateContainerConfigError": "the container configuration is invalid",
}


@dataclass(frozen=True)
class Assessment:
    phase: Phase
    reason: str | None = None
    message: str | None = None


def deployment_available(deployment: Body | None) -> bool:
    if not deployment:
        return False
    status = deployment.get("status") or {}
    if int(status.get("availableReplicas") or 0) < 1:
        return False
    generation = deployment.get("metadata", {}).get("generation")
    observed = status.get("observedGeneration")
    return generation is None or observed is None or observed >= generation


def _explained(text: str, detail: str | None) -> str:
    """Our sentence, then the cluster's own words when it gave some (never the same twice)."""
    if not detail or detail == text:
        return text
    return f"{text}: {detail}"


def pod_failure(pods: list[Body]) -> Assessment | None:
    """A reason from the pods that makes waiting pointless, if there is one."""
    for pod in pods:
        status = pod.get("status") or {}
        containers = (status.get("initContainerStatuses") or []) + (
            status.get("containerStatuses") or []
        )
        for container in containers:
            waiting = (container.get("state") or {}).get("waiting") or {}
            reason = waiting.get("reason")
            if reason in FATAL_WAITING:
                return Assessment(
                    "Failed", reason, _explained(FATAL_WAITING[reason], waiting.get("message"))
                )
    return None


def pod_pending_reason(pods: list[Body]) -> Assessment | None:
    for pod in pods:
        for condition in (pod.get("status") or {}).get("conditions") or []:
            if (
                condition.get("type") == "PodScheduled"
                and condition.get("status") == "False"
                and condition.get("reason") == "Unschedulable"
            ):
                return Assessment(
                    "Provisioning",
                    "Unschedulable",
                    condition.get("message") or "no node has room for this workshop yet",
                )
    return None


def deployment_failure(deployment: Body | None, pods: list[Body]) -> Assessment | None:
    """The Deployment gave up (progress deadline) or cannot create its pods (quota).

    The reason is the pods' own when they have one (a pod that fits nowhere
    says ``Unschedulable``), so the learner reads the cause, not the symptom.
    """
    for condition in ((deployment or {}).get("status") or {}).get("conditions") or []:
        kind, reason = condition.get("type"), condition.get("reason")
        if kind == "Progressing" and reason == "ProgressDeadlineExceeded":
            pending = pod_pending_reason(pods)
            if pending is not None:
                return Assessment("Failed", pending.reason, pending.message)
            return Assessment(
                "Failed",
                "ProgressDeadlineExceeded",
                condition.get("message") or "the workshop did not start in time",
            )
        if kind == "ReplicaFailure" and condition.get("status") == "True":
            return Assessment(
                "Failed",
                reason or "ReplicaFailure",
                _explained("the workshop's pod could not be created", condition.get("message")),
            )
    return None


def assess(
    *,
    current: Phase | None,
    deployment: Body | None,
    pods: list[Body],
    created_at: datetime,
    startup_timeout: timedelta,
    now: datetime,
    current_reason: str | None = None,
) -> Assessment:
    if current == "Failed":
        return Assessment("Failed", current_reason)  # failure is final: cleanup follows
    if deployment_available(deployment):
        return Assessment("Ready")
    failure = pod_failure(pods) or deployment_failure(deployment, pods)
    if failure is not None:
        return failure
    waiting = pod_pending_reason(pods)
    if current != "Ready" and now - created_at > startup_timeout:
        reason = waiting.reason if waiting else "StartupTimeout"
        return Assessment(
            "Failed",
            reason,
            f"not ready within {int(startup_timeout.total_seconds())}s"
            + (f": {waiting.message}" if waiting and waiting.message else ""),
        )
    if waiting is not None:
        return waiting
    if deployment is None:
        return Assessment("Pending", "Creating", "creating the workshop's resources")
    if current == "Ready":
        return Assessment("Provisioning", "Restarting", "the workshop is restarting")
    return Assessment("Provisioning", "Starting", "waiting for the workshop to start")
