"""What a watch event may skip: the pure decisions of ``memories`` and ``reconciling``.

Each skip saves requests to the API server (docs/src/content/docs/benchmarks/burst.md); each must never
skip an event that says something: drift, a deletion, a failing Pod, a changed spec."""

import copy
from typing import Any

import pytest

from orchestra_operator import manifests
from orchestra_operator.assessing import Assessment
from orchestra_operator.changes import Work, changed_children, children_event
from orchestra_operator.config import OperatorSettings
from orchestra_operator.memories import Memory
from orchestra_shared.workshops import WorkshopSpec

Body = dict[str, Any]
NAME = "jupyter-1122-bcd234"
NAMESPACE = "orchestra-u-0123456789abcdef"
UID = "5f1e2d3c-0000-4000-8000-000000000002"
KEY = (NAMESPACE, NAME)


@pytest.fixture
def desired(specs: dict[str, WorkshopSpec], settings: OperatorSettings) -> list[Body]:
    return manifests.children(NAME, NAMESPACE, UID, specs["storage"], settings)


@pytest.fixture
def workshop(specs: dict[str, WorkshopSpec]) -> Body:
    return {
        "metadata": {"name": NAME, "namespace": NAMESPACE, "uid": UID, "resourceVersion": "7"},
        "spec": specs["storage"].model_dump(mode="json", by_alias=True),
    }


@pytest.fixture
def memory(workshop: Body, desired: list[Body]) -> Memory:
    memory = Memory()
    memory.checked_all(KEY, workshop, desired)
    return memory


def of_kind(desired: list[Body], kind: str) -> Body:
    return copy.deepcopy(next(child for child in desired if child["kind"] == kind))


class TestChildren:
    def test_an_unchanged_child_needs_no_reconcile(
        self, memory: Memory, desired: list[Body]
    ) -> None:
        assert memory.still_right(KEY, "Service", of_kind(desired, "Service"))

    def test_a_drifted_child_does(self, memory: Memory, desired: list[Body]) -> None:
        service = of_kind(desired, "Service")
        service["spec"]["ports"][0]["port"] = 9999
        assert not memory.still_right(KEY, "Service", service)

    def test_a_child_of_another_workshop_of_that_name_does(
        self, memory: Memory, desired: list[Body]
    ) -> None:
        service = of_kind(desired, "Service")
        service["metadata"]["ownerReferences"][0]["uid"] = "someone-else"
        assert not memory.still_right(KEY, "Service", service)

    def test_nothing_is_skipped_before_every_child_was_checked(self, desired: list[Body]) -> None:
        assert not Memory().still_right(KEY, "Service", of_kind(desired, "Service"))

    def test_a_changed_spec_asks_for_every_child_again(
        self, memory: Memory, workshop: Body
    ) -> None:
        assert not memory.needs_full_check(workshop)
        extended = copy.deepcopy(workshop)
        extended["spec"]["expiresAt"] = "2026-11-22T15:30:00Z"
        assert memory.needs_full_check(extended)

    def test_forgetting_a_workshop_forgets_its_children(
        self, memory: Memory, workshop: Body, desired: list[Body]
    ) -> None:
        memory.forget(KEY, UID)
        assert memory.needs_full_check(workshop)
        assert not memory.still_right(KEY, "Service", of_kind(desired, "Service"))

    def test_only_the_children_events_came_for_are_looked_at(self, desired: list[Body]) -> None:
        service = of_kind(desired, "Service")
        work = Work(children={("Service", NAME): service, ("Deployment", NAME): None})
        chosen = changed_children(desired, work, full=False)
        assert [(child["kind"], body, gone) for child, body, gone in chosen] == [
            ("Service", service, False),
            ("Deployment", None, True),
        ]
        assert len(changed_children(desired, work, full=True)) == len(desired)


class TestEchoes:
    def test_a_child_as_the_last_reconcile_left_it_is_an_echo(
        self, memory: Memory, desired: list[Body]
    ) -> None:
        deployment = of_kind(desired, "Deployment")
        deployment["metadata"]["resourceVersion"] = "12"
        memory.looked_at(KEY, {"Deployment": deployment})
        assert memory.seen_already(KEY, "Deployment", deployment)
        deployment["metadata"]["resourceVersion"] = "13"  # the kubelet wrote its status
        assert not memory.seen_already(KEY, "Deployment", deployment)

    def test_the_echo_of_our_status_write_is_ours(self, memory: Memory, workshop: Body) -> None:
        memory.written[UID] = "7"
        assert memory.own_write(workshop)

    def test_any_later_write_is_not(self, memory: Memory, workshop: Body) -> None:
        memory.written[UID] = "6"
        assert not memory.own_write(workshop)


RUNNING: Body = {"metadata": {"name": "p"}, "status": {"phase": "Running"}}
PULL_FAILS: Body = {
    "metadata": {"name": "p"},
    "status": {"containerStatuses": [{"state": {"waiting": {"reason": "ImagePullBackOff"}}}]},
}


class TestPods:
    def test_a_pod_with_nothing_wrong_says_nothing_to_a_starting_workshop(
        self, memory: Memory
    ) -> None:
        memory.assessed(KEY, Assessment("Provisioning", "Starting"))
        assert memory.pod_says_nothing(KEY, RUNNING, deleted=False)
        assert memory.pod_says_nothing(KEY, RUNNING, deleted=True)

    def test_a_failing_pod_is_heard(self, memory: Memory) -> None:
        memory.assessed(KEY, Assessment("Ready"))
        assert not memory.pod_says_nothing(KEY, PULL_FAILS, deleted=False)

    def test_any_pod_is_heard_while_the_phase_has_a_pods_reason(self, memory: Memory) -> None:
        memory.assessed(KEY, Assessment("Provisioning", "Unschedulable"))
        assert not memory.pod_says_nothing(KEY, RUNNING, deleted=False)

    def test_any_pod_is_heard_before_a_phase_was_assessed(self) -> None:
        assert not Memory().pod_says_nothing(KEY, RUNNING, deleted=False)


class TestOneEvent:
    def test_every_child_created_in_one_event(self) -> None:
        done = [("Service w", "created"), ("Deployment w", "created")]
        assert children_event(done, None) == ("Created", "Service w created, Deployment w created")

    def test_a_repair_says_so(self) -> None:
        assert children_event([("Service w", "repaired")], "Ready") == (
            "Repaired",
            "Service w repaired after drift",
        )
        assert children_event([("Service w", "created")], "Ready") == (
            "Repaired",
            "Service w created after drift",
        )

    def test_nothing_done_no_event(self) -> None:
        assert children_event([], "Ready") is None
