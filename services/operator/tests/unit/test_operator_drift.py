"""Drift: restore what we own of a child and ignore what the API server adds; and the status of
a Workshop whose spec this operator cannot run."""

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from orchestra_operator import manifests
from orchestra_operator.config import OperatorSettings
from orchestra_operator.ensuring import drifted
from orchestra_operator.statuses import invalid_spec_status
from orchestra_shared import labels
from orchestra_shared.workshops import WorkshopSpec

Body = dict[str, Any]
NAME = "jupyter-1122-bcd234"
NAMESPACE = "orchestra-u-0123456789abcdef"
UID = "5f1e2d3c-0000-4000-8000-000000000001"


def without_empty(value: Any) -> Any:
    """Drop empty lists, as the API server's ``omitempty`` does when it answers.

    (Empty objects such as ``namespaceSelector: {}`` are pointers to structs: kept.)"""
    if isinstance(value, dict):
        return {k: without_empty(v) for k, v in value.items() if v != []}
    if isinstance(value, list):
        return [without_empty(item) for item in value]
    return value


def as_served(desired: Body) -> Body:
    """``desired`` as the API server returns it: defaults and bookkeeping added."""
    actual: Body = without_empty(copy.deepcopy(desired))
    actual["metadata"].update(
        uid="0d9e...",
        resourceVersion="4711",
        generation=3,
        creationTimestamp="2026-11-22T09:00:00Z",
        managedFields=[{"manager": "orchestra-operator", "operation": "Update"}],
    )
    actual["metadata"]["labels"]["pod-template-hash"] = "5d8f7c"
    actual["status"] = {"observedGeneration": 3, "replicas": 1}
    if actual["kind"] == "Deployment":
        actual["spec"]["revisionHistoryLimit"] = 10
        actual["spec"]["progressDeadlineSeconds"] = 600
        pod = actual["spec"]["template"]["spec"]
        pod.update(restartPolicy="Always", dnsPolicy="ClusterFirst", schedulerName="default")
        main = pod["containers"][0]
        main.update(terminationMessagePath="/dev/termination-log", imagePullPolicy="Always")
        main["readinessProbe"].update(timeoutSeconds=1, successThreshold=1)
    if actual["kind"] == "Service":
        actual["spec"].update(clusterIP="10.96.0.17", clusterIPs=["10.96.0.17"])
    return actual


@pytest.fixture
def deployment(specs: dict[str, WorkshopSpec], settings: OperatorSettings) -> Body:
    return manifests.deployment(NAME, NAMESPACE, UID, specs["storage"], settings)


class TestNoDrift:
    def test_identical_objects_need_no_patch(self, deployment: Body) -> None:
        assert drifted(deployment, copy.deepcopy(deployment)) is None

    @pytest.mark.parametrize("kind", ["storage", "per-user"])
    def test_server_set_fields_are_not_drift(
        self, kind: str, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        for child in manifests.children(NAME, NAMESPACE, UID, specs[kind], settings):
            assert drifted(child, as_served(child)) is None, child["kind"]

    def test_empty_fields_the_server_omits_are_not_drift(
        self, specs: dict[str, WorkshopSpec], settings: OperatorSettings
    ) -> None:
        # A template without env: the API server answers without "env" (omitempty); a
        # patch here would be sent, and a "Repaired" event recorded, on every resync.
        desired = manifests.deployment(NAME, NAMESPACE, UID, specs["bare"], settings)
        assert drifted(desired, as_served(desired)) is None


class TestDrift:
    def test_a_changed_spec_field_is_restored_with_our_whole_spec(self, deployment: Body) -> None:
        actual = as_served(deployment)
        actual["spec"]["template"]["spec"]["containers"][0]["image"] = "evil/miner:latest"
        patch = drifted(deployment, actual)
        assert patch == {"spec": deployment["spec"]}

    def test_a_removed_security_setting_is_drift(self, deployment: Body) -> None:
        actual = as_served(deployment)
        del actual["spec"]["template"]["spec"]["containers"][0]["securityContext"]
        assert drifted(deployment, actual) == {"spec": deployment["spec"]}

    def test_an_extra_list_item_is_drift(self, deployment: Body) -> None:
        actual = as_served(deployment)
        actual["spec"]["template"]["spec"]["containers"][0]["env"].append(
            {"name": "INJECTED", "value": "1"}
        )
        assert drifted(deployment, actual) is not None

    @pytest.mark.parametrize("key", [labels.OWNER_HASH, labels.MANAGED_BY, labels.WORKSHOP])
    def test_a_changed_or_missing_label_of_ours_is_restored(
        self, deployment: Body, key: str
    ) -> None:
        changed = as_served(deployment)
        changed["metadata"]["labels"][key] = "someone-else"
        missing = as_served(deployment)
        del missing["metadata"]["labels"][key]
        for actual in (changed, missing):
            assert drifted(deployment, actual) == {
                "metadata": {"labels": deployment["metadata"]["labels"]}
            }

    def test_spec_and_labels_drift_together(self, deployment: Body) -> None:
        actual = as_served(deployment)
        actual["spec"]["replicas"] = 0
        actual["metadata"]["labels"][labels.WORKSHOP] = "other"
        patch = drifted(deployment, actual)
        assert patch is not None
        assert patch.keys() == {"spec", "metadata"}


class TestInvalidSpec:
    def test_an_invalid_spec_fails_the_workshop_saying_which_fields(
        self, make_spec: Callable[..., WorkshopSpec]
    ) -> None:
        good = make_spec().model_dump(mode="json", by_alias=True)
        bad = {**good, "port": 0, "image": ""}
        del bad["owner"]
        with pytest.raises(ValidationError) as caught:
            WorkshopSpec.model_validate(bad)
        now = datetime(2026, 11, 22, 9, 0, 5, tzinfo=UTC)
        status = invalid_spec_status(caught.value, now)
        assert status["phase"] == "Failed"
        assert status["reason"] == "InvalidSpec"
        assert status["message"].startswith("the Workshop's spec is invalid: ")
        for field in ("owner", "image", "port"):
            assert f"{field}: " in status["message"]
        assert status["phaseChangedAt"] == "2026-11-22T09:00:05Z"

    def test_the_message_names_at_most_five_problems(self) -> None:
        with pytest.raises(ValidationError) as caught:
            WorkshopSpec.model_validate({"unknown1": 1, "unknown2": 2})
        assert len(caught.value.errors()) > 5
        message = invalid_spec_status(caught.value, datetime.now(UTC))["message"]
        assert message.count(": ") == 1 + 5


class TestTransitionLog:
    def test_each_phase_change_is_appended_with_its_time(self) -> None:
        from orchestra_operator.assessing import Assessment
        from orchestra_operator.statuses import appended_transition

        status = {
            "transitions": [
                {"phase": "Provisioning", "reason": "Starting", "message": None, "time": "t1"}
            ]
        }
        log = appended_transition(status, Assessment("Ready"), "t2")
        assert [entry["phase"] for entry in log] == ["Provisioning", "Ready"]
        assert log[-1] == {"phase": "Ready", "reason": None, "message": None, "time": "t2"}

    def test_the_log_keeps_only_the_newest_entries(self) -> None:
        from orchestra_operator.assessing import Assessment
        from orchestra_operator.statuses import appended_transition
        from orchestra_shared.workshops import TRANSITIONS_KEPT

        status = {
            "transitions": [{"phase": "Pending", "time": str(i)} for i in range(TRANSITIONS_KEPT)]
        }
        log = appended_transition(status, Assessment("Ready"), "new")
        assert len(log) == TRANSITIONS_KEPT
        assert log[0]["time"] == "1"
        assert log[-1]["time"] == "new"
