"""The burst harness's pure parts: what counts as a complete history, subject matching, the table."""

from __future__ import annotations

import pytest

from orchestra_devstack.bursts.figures import percentile, spread
from orchestra_devstack.bursts.poisoning import CONSUMERS, SUBJECTS, matches
from orchestra_devstack.bursts.reporting import markdown
from orchestra_devstack.bursts.verifying import story_problem
from orchestra_shared import subjects


@pytest.mark.parametrize(
    ("phases", "ended"),
    [
        (["Provisioning", "Ready"], False),
        (["Pending", "Provisioning", "Ready"], False),
        (["Provisioning", "Ready", "Terminated"], True),
        (["Provisioning", "Ready", "Terminating", "Terminated"], True),
    ],
)
def test_the_platform_s_story_is_complete(phases: list[str], ended: bool) -> None:
    assert story_problem(phases, ended=ended) is None


@pytest.mark.parametrize(
    ("phases", "ended", "said"),
    [
        (["Ready"], False, "story"),
        (["Provisioning"], False, "story"),
        (["Provisioning", "Ready", "Ready"], False, "twice"),
        (["Ready", "Provisioning"], False, "story"),
        (["Provisioning", "Ready", "Pending"], False, "out of order"),
        (["Provisioning", "Failed", "Ready"], False, "Failed"),
        (["Provisioning", "Ready"], True, "not ended"),
    ],
)
def test_a_story_with_a_gap_a_repeat_or_a_failure_is_incomplete(
    phases: list[str], ended: bool, said: str
) -> None:
    problem = story_problem(phases, ended=ended)
    assert problem is not None
    assert said in problem


def test_subjects_match_as_nats_matches_them() -> None:
    assert matches("orchestra.commands.>", "orchestra.commands.launch")
    assert not matches("orchestra.commands.>", "orchestra.commands")
    assert matches("orchestra.*.changed", "orchestra.status.changed")
    assert not matches("orchestra.status.changed", "orchestra.status.changed.more")
    assert not matches("orchestra.commands.terminate", "orchestra.commands.launch")


def test_every_command_and_status_subject_has_a_consumer_that_dead_letters() -> None:
    consumed = {s for s in SUBJECTS for c in CONSUMERS if any(matches(f, s) for f in c.subjects)}
    # The notices are read only by the api's live stream, which has no dead letters.
    notices = {
        subjects.EXPIRING,
        subjects.IDLE_WARNING,
        subjects.CLASS_MESSAGE,
        subjects.WAITING_CHANGED,
    }
    assert consumed == set(SUBJECTS) - notices


def test_percentiles_and_the_delay_subtracted() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.5) == 51.0
    assert percentile(values, 0.99) == 99.0
    assert spread(values, minus=1.0) == {"p50": 49.5, "p99": 98.0, "max": 99.0}
    assert spread([]) is None


def test_the_table_shows_what_was_run_and_on_what() -> None:
    document = {
        "command": "bench/burst.py --quick",
        "note": "the machine was loaded",
        "kubelet_delay": 1.0,
        "machine": {
            "cores": 2,
            "cpu_model": "AMD EPYC",
            "load_average": [3.0, 2.0, 1.0],
            "python": "3.11.7",
            "system": "Linux 6",
            "commit": "abc",
            "date": "today",
        },
        "poison": {
            "sent": 10,
            "expected": 16,
            "parked": [{"consumer": "sync-terminations", "subject": "x", "letters": 2}],
            "missing": [],
            "carried_on": [],
            "ok": True,
        },
    }
    text = markdown(document)
    assert "the machine was loaded" in text
    assert "2 cores (AMD EPYC), load average 3.0/2.0/1.0" in text
    assert "| sync-terminations | x | 2 |" in text
    assert "### Burst" not in text  # a part not run is left out
