"""
The statuses a fake kubelet reports: for Pods and for their Deployment.

Pure functions that build what Kubernetes shows for a Deployment whose pods
run, and for the failure modes the platform must recognise: an image that
cannot be pulled (``ErrImagePull``, ``ImagePullBackOff``), a container that
keeps crashing (``CrashLoopBackOff``), a pod that fits on no node
(``Unschedulable``). ``kubelet`` decides which one applies and writes them.
"""

from __future__ import annotations

from typing import Any

FAILURE_REASONS = frozenset(
    {"ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff", "Unschedulable"}
)

Body = dict[str, Any]


def _condition(kind: str, status: bool, reason: str, message: str, now: str) -> Body:
    return {
        "type": kind,
        "status": "True" if status else "False",
        "reason": reason,
        "message": message,
        "lastUpdateTime": now,
        "lastTransitionTime": now,
    }


def _pod_condition(kind: str, status: bool, now: str, reason: str = "", message: str = "") -> Body:
    condition: Body = {
        "type": kind,
        "status": "True" if status else "False",
        "lastProbeTime": None,
        "lastTransitionTime": now,
    }
    if reason:
        condition.update(reason=reason, message=message)
    return condition


def deployment_status(
    *,
    generation: int,
    replicas: int,
    replica_set: str,
    failure: str | None,
    deadline_exceeded: bool,
    now: str,
) -> Body:
    if failure is None:
        return {
            "observedGeneration": generation,
            "replicas": replicas,
            "updatedReplicas": replicas,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
            "conditions": [
                _condition(
                    "Available",
                    True,
                    "MinimumReplicasAvailable",
                    "Deployment has minimum availability.",
                    now,
                ),
                _condition(
                    "Progressing",
                    True,
                    "NewReplicaSetAvailable",
                    f'ReplicaSet "{replica_set}" has successfully progressed.',
                    now,
                ),
            ],
        }
    progressing = (
        _condition(
            "Progressing",
            False,
            "ProgressDeadlineExceeded",
            f'ReplicaSet "{replica_set}" has timed out progressing.',
            now,
        )
        if deadline_exceeded
        else _condition(
            "Progressing",
            True,
            "ReplicaSetUpdated",
            f'ReplicaSet "{replica_set}" is progressing.',
            now,
        )
    )
    return {
        "observedGeneration": generation,
        "replicas": replicas,
        "updatedReplicas": replicas,
        "unavailableReplicas": replicas,
        "conditions": [
            _condition(
                "Available",
                False,
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                now,
            ),
            progressing,
        ],
    }


def _waiting(reason: str, image: str, container: str, pod: str) -> tuple[Body, Body, int]:
    """(state, lastState, restartCount) of a failing container."""
    if reason == "CrashLoopBackOff":
        message = f"back-off 40s restarting failed container={container} pod={pod}"
        last = {"terminated": {"exitCode": 1, "reason": "Error"}}
        return {"waiting": {"reason": reason, "message": message}}, last, 3
    if reason == "ErrImagePull":
        message = (
            f"rpc error: code = NotFoundError desc = failed to pull and unpack image "
            f'"{image}": not found'
        )
    else:
        message = f'Back-off pulling image "{image}"'
    return {"waiting": {"reason": reason, "message": message}}, {}, 0


def pod_status(
    *, pod: str, containers: list[Body], failure: str | None, ordinal: int, now: str
) -> Body:
    ip = f"10.42.{ordinal // 250 % 250}.{ordinal % 250 + 2}"
    if failure == "Unschedulable":
        message = (
            "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are "
            "available: 1 No preemption victims found for incoming pod."
        )
        return {
            "phase": "Pending",
            "conditions": [_pod_condition("PodScheduled", False, now, "Unschedulable", message)],
            "qosClass": "Burstable",
        }
    statuses = []
    for container in containers:
        image = container.get("image", "")
        status: Body = {
            "name": container.get("name", ""),
            "image": image,
            "imageID": "",
            "ready": failure is None,
            "started": failure is None,
        }
        if failure is None:
            status.update(restartCount=0, state={"running": {"startedAt": now}}, lastState={})
        else:
            state, last, restarts = _waiting(failure, image, status["name"], pod)
            status.update(restartCount=restarts, state=state, lastState=last)
        statuses.append(status)
    ready = failure is None
    not_ready = (
        ("", "")
        if ready
        else (
            "ContainersNotReady",
            f"containers with unready status: [{' '.join(c.get('name', '') for c in containers)}]",
        )
    )
    return {
        "phase": "Running" if failure in (None, "CrashLoopBackOff") else "Pending",
        "conditions": [
            _pod_condition("PodScheduled", True, now),
            _pod_condition("Initialized", True, now),
            _pod_condition("ContainersReady", ready, now, *not_ready),
            _pod_condition("Ready", ready, now, *not_ready),
        ],
        "hostIP": "10.0.0.2",
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "startTime": now,
        "containerStatuses": statuses,
        "qosClass": "Burstable",
    }
