"""The gate's activity report: one message per window, versioned, strict, deduplicated."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from orchestra_shared.activities import ActivityReport, InstanceActivity, parse_report
from orchestra_shared.events import LaunchRequested, parse_event

END = datetime(2025, 9, 1, 10, 0, tzinfo=UTC)
REPORT = ActivityReport(
    reporter="orchestra-gate-7d9f-abc123",
    window_started_at=END - timedelta(minutes=1),
    window_ended_at=END,
    floor=3,
    instances=(
        InstanceActivity(instance="jupyter-0901-x7k2p", last_active_at=END, events=12),
        InstanceActivity(instance="rstudio-0901-a1b2c", last_active_at=END, events=3),
    ),
)


def test_a_report_round_trips_and_carries_many_instances() -> None:
    parsed = parse_report(REPORT.model_dump_json())
    assert parsed == REPORT
    assert [seen.instance for seen in parsed.instances] == [
        "jupyter-0901-x7k2p",
        "rstudio-0901-a1b2c",
    ]


def test_unknown_fields_and_versions_are_refused() -> None:
    data = json.loads(REPORT.model_dump_json())
    with pytest.raises(ValidationError, match="surprise"):
        parse_report(json.dumps({**data, "surprise": 1}))
    with pytest.raises(ValidationError, match="version"):
        parse_report(json.dumps({**data, "version": 2}))
    with pytest.raises(ValidationError, match="events"):
        parse_report(json.dumps({**data, "instances": [{**data["instances"][0], "events": 0}]}))


def test_a_retried_report_has_the_same_message_id_and_the_next_window_another() -> None:
    assert REPORT.message_id() == parse_report(REPORT.model_dump_json()).message_id()
    later = REPORT.model_copy(update={"window_ended_at": END + timedelta(minutes=1)})
    assert later.message_id() != REPORT.message_id()


def test_launch_requested_without_an_idle_rule_is_as_before() -> None:
    """Producers that never heard of idleness still validate: the fields are optional."""
    launch = LaunchRequested(
        instance="jupyter-0901-x7k2p",
        owner="ada@example.org",
        template_slug="jupyter",
        expires_at=END,
        startup_timeout_seconds=600,
    )
    data = json.loads(launch.model_dump_json())
    del data["idle_timeout_seconds"], data["idle_warning_seconds"]
    parsed = parse_event(json.dumps(data))
    assert isinstance(parsed, LaunchRequested)
    assert parsed.idle_timeout_seconds is None
