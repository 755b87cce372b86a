"""Observing a Workshop: its phase, when the cluster says it changed, and its order."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestra_shared import labels
from orchestra_shared.phases import PHASES, Phase
from orchestra_sync.observing import Observation, observe

Body = dict[str, Any]
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
READY_AT = datetime(2026, 11, 22, 9, 2, 3, tzinfo=UTC)
PHASE_AT = datetime(2026, 11, 22, 9, 1, tzinfo=UTC)


def workshop(
    status: Body | None = None,
    *,
    version: str | None = "1234",
    annotations: dict[str, str] | None = None,
    deleted_at: str | None = None,
) -> Body:
    metadata: Body = {"name": "jupyter-1122-bcd234", "namespace": "orchestra-u-abc"}
    if version is not None:
        metadata["resourceVersion"] = version
    if annotations is not None:
        metadata["annotations"] = annotations
    if deleted_at is not None:
        metadata["deletionTimestamp"] = deleted_at
    body: Body = {"metadata": metadata}
    if status is not None:
        body["status"] = status
    return body


def ready_condition(stamp: str | None = "2026-11-22T09:02:03Z") -> Body:
    condition: Body = {"type": "Ready", "status": "True", "reason": "Ready"}
    if stamp is not None:
        condition["lastTransitionTime"] = stamp
    return condition


def seen(obj: Body, *, deleted: bool = False) -> Observation:
    observation = observe(obj, deleted=deleted, now=NOW)
    assert observation is not None
    return observation


class TestPhase:
    @pytest.mark.parametrize("phase", PHASES)
    def test_the_phase_reason_message_and_url_come_from_status(self, phase: Phase) -> None:
        status = {"phase": phase, "reason": "Why", "message": "Said", "url": "https://x.org/"}
        observation = seen(workshop(status))
        assert observation.phase == phase
        assert (observation.reason, observation.message, observation.url) == (
            "Why",
            "Said",
            "https://x.org/",
        )
        assert (observation.name, observation.namespace) == (
            "jupyter-1122-bcd234",
            "orchestra-u-abc",
        )

    @pytest.mark.parametrize(
        "status", [None, {}, {"phase": None}, {"phase": "Exploded"}, {"reason": "Creating"}]
    )
    def test_no_known_phase_means_nothing_to_record(self, status: Body | None) -> None:
        assert observe(workshop(status), deleted=False, now=NOW) is None


class TestTransitionTime:
    def test_from_the_ready_conditions_last_transition(self) -> None:
        status = {
            "phase": "Ready",
            "phaseChangedAt": "2026-11-22T09:01:00Z",
            "conditions": [
                {"type": "Other", "lastTransitionTime": "2020-01-01T00:00:00Z"},
                ready_condition(),
            ],
        }
        assert seen(workshop(status)).transitioned_at == READY_AT

    @pytest.mark.parametrize("conditions", [[], [ready_condition(None)], [{"type": "Other"}]])
    def test_else_from_phase_changed_at(self, conditions: list[Body]) -> None:
        status = {
            "phase": "Provisioning",
            "phaseChangedAt": "2026-11-22T09:01:00Z",
            "conditions": conditions,
        }
        assert seen(workshop(status)).transitioned_at == PHASE_AT

    def test_else_now(self) -> None:
        assert seen(workshop({"phase": "Pending"})).transitioned_at == NOW

    def test_offsets_are_kept_and_naive_times_are_utc(self) -> None:
        offset = seen(workshop({"phase": "Pending", "phaseChangedAt": "2026-11-22T10:01:00+01:00"}))
        assert offset.transitioned_at == PHASE_AT
        assert offset.transitioned_at.utcoffset() == timedelta(hours=1)
        naive = seen(workshop({"phase": "Pending", "phaseChangedAt": "2026-11-22T09:01:00"}))
        assert naive.transitioned_at == PHASE_AT
        assert naive.transitioned_at.tzinfo is not None
        assert naive.transitioned_at.utcoffset() == timedelta(0)


class TestDeleted:
    def test_a_deleted_workshop_is_terminated_for_the_annotated_reason(self) -> None:
        obj = workshop(
            {"phase": "Ready", "url": "https://x.org/", "message": "running"},
            annotations={labels.TERMINATION_REASON: "expired"},
            deleted_at="2026-11-22T09:20:00Z",
        )
        observation = seen(obj, deleted=True)
        assert observation.phase == "Terminated"
        assert observation.reason == "expired"
        assert observation.url is None
        assert observation.message is None
        assert observation.transitioned_at == datetime(2026, 11, 22, 9, 20, tzinfo=UTC)

    def test_a_failed_workshop_deleted_without_reason_ended_as_failed(self) -> None:
        obj = workshop({"phase": "Failed", "reason": "ErrImagePull", "message": "no such image"})
        observation = seen(obj, deleted=True)
        assert (observation.phase, observation.reason) == ("Terminated", "failed")
        assert observation.message == "no such image"

    def test_the_annotation_wins_over_a_failed_phase(self) -> None:
        obj = workshop({"phase": "Failed"}, annotations={labels.TERMINATION_REASON: "admin"})
        assert seen(obj, deleted=True).reason == "admin"

    @pytest.mark.parametrize("status", [None, {"phase": "Ready"}, {"phase": "Provisioning"}])
    def test_otherwise_it_was_deleted(self, status: Body | None) -> None:
        observation = seen(workshop(status, annotations={}), deleted=True)
        assert (observation.phase, observation.reason) == ("Terminated", "deleted")
        assert observation.transitioned_at == NOW  # no deletionTimestamp: when sync saw it


class TestResourceVersion:
    @pytest.mark.parametrize(
        ("version", "expected"), [("1234", 1234), ("0", 0), (None, 0), ("", 0)]
    )
    def test_numeric_versions_are_parsed(self, version: str | None, expected: int) -> None:
        assert seen(workshop({"phase": "Ready"}, version=version)).version == expected

    @pytest.mark.parametrize("version", ["abc", "12a", "1.5", "  "])
    def test_non_numeric_versions_count_as_zero(self, version: str) -> None:
        assert seen(workshop({"phase": "Ready"}, version=version)).version == 0
        assert seen(workshop({"phase": "Ready"}, version=version), deleted=True).version == 0

    def test_deleted_objects_keep_their_version(self) -> None:
        assert seen(workshop({"phase": "Ready"}, version="99"), deleted=True).version == 99
