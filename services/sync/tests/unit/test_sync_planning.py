"""Planning what an observation changes: order, replays, catch-up steps, termination reasons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from orchestra_sync.observing import Observation, Step, observe, vanished
from orchestra_sync.planning import Requested, Stored, plan

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def stamp(seconds: float) -> str:
    return at(seconds).isoformat().replace("+00:00", "Z")


def workshop(
    phase: str,
    log: Sequence[tuple[str, float]],
    *,
    version: int = 10,
    annotations: dict[str, str] | None = None,
) -> dict[str, object]:
    return {
        "metadata": {
            "name": "ws",
            "namespace": "ns",
            "resourceVersion": str(version),
            "annotations": annotations or {},
        },
        "status": {
            "phase": phase,
            "phaseChangedAt": stamp(log[-1][1]) if log else None,
            "transitions": [{"phase": p, "time": stamp(s)} for p, s in log],
        },
    }


def seen(body: dict[str, object], *, deleted: bool = False, now: float = 100) -> Observation:
    observation = observe(body, deleted=deleted, now=at(now))
    assert observation is not None
    return observation


def phases(steps: tuple[Step, ...]) -> list[tuple[str, datetime]]:
    return [(s.phase, s.at) for s in steps]


NEW = Stored("Requested", None, 0)


class TestOrder:
    def test_a_terminated_instance_is_final(self) -> None:
        assert plan(seen(workshop("Ready", [("Ready", 1)])), Stored("Terminated", at(0), 5)) is None

    def test_a_replayed_or_older_version_changes_nothing(self) -> None:
        observation = seen(workshop("Ready", [("Ready", 1)], version=10))
        assert plan(observation, Stored("Pending", at(0), 10)) is None
        assert plan(observation, Stored("Pending", at(0), 11)) is None

    def test_a_newer_version_is_planned(self) -> None:
        decided = plan(
            seen(workshop("Ready", [("Pending", 0), ("Ready", 1)])), Stored("Pending", at(0), 9)
        )
        assert decided is not None
        assert phases(decided.steps) == [("Ready", at(1))]


class TestCatchUp:
    def test_every_logged_step_after_the_last_recorded_one_is_appended(self) -> None:
        log = [("Pending", 0), ("Provisioning", 1), ("Ready", 2), ("Provisioning", 3), ("Ready", 4)]
        decided = plan(seen(workshop("Ready", log)), Stored("Provisioning", at(1), 3))
        assert decided is not None
        assert phases(decided.steps) == [
            ("Ready", at(2)),
            ("Provisioning", at(3)),
            ("Ready", at(4)),
        ]

    def test_the_first_observation_brings_the_whole_log(self) -> None:
        decided = plan(seen(workshop("Ready", [("Pending", 0), ("Ready", 2)])), NEW)
        assert decided is not None
        assert phases(decided.steps) == [("Pending", at(0)), ("Ready", at(2))]

    def test_without_a_log_the_current_phase_is_one_step(self) -> None:
        body = workshop("Ready", [])
        body["status"] = {"phase": "Ready", "phaseChangedAt": stamp(5)}
        decided = plan(seen(body), Stored("Pending", at(0), 3))
        assert decided is not None
        assert phases(decided.steps) == [("Ready", at(5))]

    def test_a_current_phase_stamped_before_the_last_recorded_one_is_clamped(self) -> None:
        body = workshop("Ready", [])
        body["status"] = {"phase": "Ready", "phaseChangedAt": stamp(1)}
        decided = plan(seen(body), Stored("Pending", at(3), 3))
        assert decided is not None
        assert phases(decided.steps) == [("Ready", at(3))]

    def test_a_truncated_log_does_not_repeat_the_recorded_phase(self) -> None:
        decided = plan(seen(workshop("Ready", [("Ready", 9)])), Stored("Ready", at(2), 3))
        assert decided is not None
        assert decided.steps == ()


class TestTermination:
    def test_the_annotation_names_the_reason(self) -> None:
        body = workshop(
            "Ready",
            [("Ready", 1)],
            version=11,
            annotations={"orchestra.io/termination-reason": "expired"},
        )
        decided = plan(
            seen(body, deleted=True, now=50), Stored("Ready", at(1), 10), Requested("user", at(40))
        )
        assert decided is not None
        assert decided.observation.reason == "expired"
        assert phases(decided.steps) == [
            ("Terminated", at(40))
        ]  # the request's time, not the replay's

    def test_a_remembered_request_names_the_reason_without_an_annotation(self) -> None:
        body = workshop("Ready", [("Ready", 1)], version=11)
        decided = plan(
            seen(body, deleted=True, now=50), Stored("Ready", at(1), 10), Requested("user", at(40))
        )
        assert decided is not None
        assert decided.observation.reason == "user"

    def test_without_either_a_failed_workshop_ended_failed(self) -> None:
        decided = plan(vanished("ws", listed_version=20, now=at(50)), Stored("Failed", at(1), 10))
        assert decided is not None
        assert (decided.observation.reason, phases(decided.steps)) == (
            "failed",
            [("Terminated", at(50))],
        )

    def test_a_vanished_workshop_takes_the_requests_reason_and_time(self) -> None:
        decided = plan(
            vanished("ws", listed_version=20, now=at(50)),
            Stored("Ready", at(1), 10),
            Requested("expired", at(30)),
        )
        assert decided is not None
        assert (decided.observation.reason, phases(decided.steps)) == (
            "expired",
            [("Terminated", at(30))],
        )

    def test_nothing_vanished_when_something_newer_than_the_list_was_recorded(self) -> None:
        assert (
            plan(vanished("ws", listed_version=20, now=at(50)), Stored("Ready", at(1), 21)) is None
        )

    def test_a_request_older_than_the_last_step_does_not_date_the_end(self) -> None:
        decided = plan(
            vanished("ws", listed_version=20, now=at(50)),
            Stored("Ready", at(10), 10),
            Requested("user", at(5)),
        )
        assert decided is not None  # the operator acted later than the request: when, unknown
        assert phases(decided.steps) == [("Terminated", at(50))]


def test_malformed_log_entries_are_skipped() -> None:
    body = workshop("Ready", [("Ready", 2)])
    status = body["status"]
    assert isinstance(status, dict)
    status["transitions"] = [
        {"phase": "Exploded", "time": stamp(0)},
        {"phase": "Pending"},
        {"phase": "Pending", "time": "yesterday"},
        "junk",
        {"phase": "Ready", "time": stamp(2)},
    ]
    assert phases(seen(body).steps) == [("Ready", at(2))]
