"""Assessing a Workshop's phase from its Deployment and Pods, with a fixed clock."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestra_operator.assessing import FATAL_WAITING, Assessment, assess
from orchestra_shared.phases import Phase

Body = dict[str, Any]
CREATED = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
TIMEOUT = timedelta(minutes=10)
EARLY = CREATED + timedelta(minutes=1)
LATE = CREATED + TIMEOUT + timedelta(seconds=1)


def deployment(available: int = 0, *, generation: int = 1, observed: int = 1) -> Body:
    return {
        "metadata": {"generation": generation},
        "status": {"availableReplicas": available, "observedGeneration": observed},
    }


def progress_deadline_exceeded() -> Body:
    body = deployment()
    body["status"]["conditions"] = [
        {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable"},
        {
            "type": "Progressing",
            "status": "False",
            "reason": "ProgressDeadlineExceeded",
            "message": 'ReplicaSet "x" has timed out progressing.',
        },
    ]
    return body


def waiting_pod(reason: str, message: str | None = None) -> Body:
    waiting = {"reason": reason} | ({"message": message} if message else {})
    return {"status": {"containerStatuses": [{"name": "workshop", "state": {"waiting": waiting}}]}}


def unschedulable_pod(message: str = "0/3 nodes are available: 3 Insufficient memory.") -> Body:
    condition = {
        "type": "PodScheduled",
        "status": "False",
        "reason": "Unschedulable",
        "message": message,
    }
    return {"status": {"phase": "Pending", "conditions": [condition]}}


def run(
    *,
    current: Phase | None = "Provisioning",
    deploy: Body | None = None,
    pods: list[Body] | None = None,
    now: datetime = EARLY,
    current_reason: str | None = None,
) -> Assessment:
    return assess(
        current=current,
        deployment=deploy,
        pods=pods or [],
        created_at=CREATED,
        startup_timeout=TIMEOUT,
        now=now,
        current_reason=current_reason,
    )


class TestReady:
    def test_an_available_deployment_is_ready(self) -> None:
        assert run(deploy=deployment(available=1)) == Assessment("Ready")

    def test_ready_even_after_the_startup_timeout(self) -> None:
        assert run(deploy=deployment(available=1), now=LATE).phase == "Ready"

    def test_an_unobserved_new_generation_is_not_ready_yet(self) -> None:
        result = run(deploy=deployment(available=1, generation=2, observed=1))
        assert result.phase == "Provisioning"

    def test_no_available_replica_is_still_starting(self) -> None:
        assert run(deploy=deployment(available=0)) == Assessment(
            "Provisioning", "Starting", "waiting for the workshop to start"
        )

    def test_a_ready_workshop_that_loses_its_pod_is_restarting(self) -> None:
        result = run(current="Ready", deploy=deployment(available=0), now=LATE)
        assert (result.phase, result.reason) == ("Provisioning", "Restarting")


class TestFatalReasons:
    @pytest.mark.parametrize("reason", sorted(FATAL_WAITING))
    def test_each_fatal_waiting_reason_fails_at_once(self, reason: str) -> None:
        result = run(deploy=deployment(), pods=[waiting_pod(reason, "details from kubelet")])
        assert (result.phase, result.reason) == ("Failed", reason)
        assert result.message is not None
        assert FATAL_WAITING[reason] in result.message
        assert "details from kubelet" in result.message

    @pytest.mark.parametrize("reason", ["ContainerCreating", "PodInitializing"])
    def test_ordinary_waiting_reasons_keep_waiting(self, reason: str) -> None:
        assert run(deploy=deployment(), pods=[waiting_pod(reason)]).phase == "Provisioning"

    def test_a_fatal_reason_in_any_pod_counts(self) -> None:
        pods = [waiting_pod("ContainerCreating"), waiting_pod("ErrImagePull")]
        assert run(deploy=deployment(), pods=pods).reason == "ErrImagePull"

    def test_progress_deadline_exceeded_fails(self) -> None:
        result = run(deploy=progress_deadline_exceeded())
        assert (result.phase, result.reason) == ("Failed", "ProgressDeadlineExceeded")
        assert result.message == 'ReplicaSet "x" has timed out progressing.'


class TestUnschedulable:
    def test_unschedulable_keeps_provisioning_before_the_timeout(self) -> None:
        result = run(deploy=deployment(), pods=[unschedulable_pod("no room")])
        assert result == Assessment("Provisioning", "Unschedulable", "no room")

    def test_unschedulable_at_exactly_the_timeout_still_waits(self) -> None:
        now = CREATED + TIMEOUT
        assert run(deploy=deployment(), pods=[unschedulable_pod()], now=now).phase == "Provisioning"

    def test_unschedulable_past_the_timeout_fails_as_unschedulable(self) -> None:
        result = run(deploy=deployment(), pods=[unschedulable_pod("no room")], now=LATE)
        assert (result.phase, result.reason) == ("Failed", "Unschedulable")
        assert result.message == "not ready within 600s: no room"

    def test_a_scheduled_pod_is_not_unschedulable(self) -> None:
        pod = unschedulable_pod()
        pod["status"]["conditions"][0]["status"] = "True"
        assert run(deploy=deployment(), pods=[pod]).reason == "Starting"


class TestStartupTimeout:
    def test_not_ready_past_the_timeout_fails(self) -> None:
        result = run(deploy=deployment(), now=LATE)
        assert result == Assessment("Failed", "StartupTimeout", "not ready within 600s")

    def test_no_deployment_past_the_timeout_fails_too(self) -> None:
        assert run(deploy=None, now=LATE).reason == "StartupTimeout"


class TestFinalAndInitial:
    def test_failed_is_final_whatever_the_cluster_shows(self) -> None:
        result = run(current="Failed", current_reason="ErrImagePull", deploy=deployment(1))
        assert result == Assessment("Failed", "ErrImagePull")

    @pytest.mark.parametrize("current", [None, "Requested", "Pending"])
    def test_no_deployment_yet_is_pending(self, current: Phase | None) -> None:
        assert run(current=current, deploy=None) == Assessment(
            "Pending", "Creating", "creating the workshop's resources"
        )
