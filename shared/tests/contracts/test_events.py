"""Contract tests for every event model: round trip, strictness, schema version."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from orchestra_shared import events, subjects
from orchestra_shared.events import (
    ActivityKept,
    ClaimRequested,
    DeadLetter,
    Event,
    Expiring,
    ExportRequested,
    ExtendRequested,
    IdleWarning,
    LaunchRequested,
    StatusChanged,
    TerminateRequested,
    encode_event,
    parse_event,
)

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
COMMON: dict[str, Any] = {"instance": "rstudio-1122-bcdfgh", "owner": "ada@example.org"}

EXAMPLES: list[Event] = [
    LaunchRequested(
        **COMMON,
        template_slug="rstudio",
        expires_at=NOW + timedelta(hours=4),
        startup_timeout_seconds=600,
    ),
    TerminateRequested(**COMMON, reason="user", requested_by="ada@example.org"),
    ExtendRequested(**COMMON, expires_at=NOW + timedelta(hours=5), extension=1),
    StatusChanged(**COMMON, phase="Ready", url="http://x.example/", transitioned_at=NOW),
    Expiring(**COMMON, expires_at=NOW, lead_seconds=300),
    IdleWarning(**COMMON, idle_since=NOW, ends_at=NOW + timedelta(minutes=5)),
    ActivityKept(**COMMON, requested_by="ada@example.org"),
    ExportRequested(**COMMON, requested_by="ada@example.org"),
    ClaimRequested(
        **COMMON,
        pool_owner="pool:k2x9bcdfgh",
        expires_at=NOW + timedelta(hours=2),
        idle_timeout_seconds=1800,
        idle_warning_seconds=300,
    ),
]


def test_every_event_type_has_an_example_and_a_subject() -> None:
    union_members = {cls.__name__ for cls in Event.__subclasses__()}
    assert {type(e).__name__ for e in EXAMPLES} == union_members
    for example in EXAMPLES:
        assert example.type in subjects.SUBJECT_BY_TYPE  # type: ignore[attr-defined]


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_round_trip_through_json_gives_the_same_event(event: Event) -> None:
    parsed = parse_event(encode_event(event))
    assert type(parsed) is type(event)
    assert parsed == event


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_unknown_fields_are_rejected(event: Event) -> None:
    data = json.loads(encode_event(event))
    data["surprise"] = 1
    with pytest.raises(ValidationError, match="surprise"):
        parse_event(json.dumps(data))


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_schema_version_is_present_and_checked(event: Event) -> None:
    data = json.loads(encode_event(event))
    assert data["version"] == events.SCHEMA_VERSION
    data["version"] = 99
    with pytest.raises(ValidationError, match="version"):
        parse_event(json.dumps(data))


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_events_carry_id_time_instance_and_owner(event: Event) -> None:
    data = json.loads(encode_event(event))
    assert uuid.UUID(data["event_id"])
    assert datetime.fromisoformat(data["occurred_at"]).tzinfo is not None
    assert data["instance"] == COMMON["instance"]
    assert data["owner"] == COMMON["owner"]


def test_events_are_frozen() -> None:
    with pytest.raises(ValidationError):
        EXAMPLES[0].instance = "other"  # type: ignore[misc]


def test_an_unknown_type_is_rejected() -> None:
    data = json.loads(encode_event(EXAMPLES[1]))
    data["type"] = "launch.cancelled"
    with pytest.raises(ValidationError):
        parse_event(json.dumps(data))


def test_naive_timestamps_are_rejected() -> None:
    data = json.loads(encode_event(EXAMPLES[3]))
    data["transitioned_at"] = "2026-11-22T09:00:00"
    with pytest.raises(ValidationError, match="timezone"):
        parse_event(json.dumps(data))


def test_dead_letters_keep_any_payload_verbatim() -> None:
    letter = DeadLetter(
        consumer="operator-commands",
        subject=subjects.LAUNCH_REQUESTED,
        reason="not JSON",
        payload="\x00garbage",
    )
    again = DeadLetter.model_validate_json(letter.model_dump_json())
    assert again.payload == "\x00garbage"
    assert (
        subjects.dead_letter_subject("operator-commands")
        == "orchestra.deadletter.operator-commands"
    )


@pytest.mark.parametrize(
    "extra",
    [
        {"image": "evil.example/miner:1"},
        {"spec": {"image": "evil.example/miner:1", "port": 8080}},
        {"namespace": "kube-system"},
    ],
    ids=["image", "spec", "namespace"],
)
def test_a_launch_cannot_say_what_to_run_or_where(extra: dict[str, Any]) -> None:
    data = json.loads(encode_event(EXAMPLES[0]))
    data.update(extra)
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        parse_event(json.dumps(data))


@pytest.mark.parametrize("slug", ["../jupyter", "Jupyter", "", "a" * 41])
def test_a_launch_names_its_template_by_a_valid_slug(slug: str) -> None:
    data = json.loads(encode_event(EXAMPLES[0]))
    data["template_slug"] = slug
    with pytest.raises(ValidationError, match="template_slug"):
        parse_event(json.dumps(data))


def test_a_claim_names_the_pool_it_takes_from() -> None:
    with pytest.raises(ValidationError):
        ClaimRequested(**COMMON, pool_owner="ada@example.org", expires_at=NOW)
    with pytest.raises(ValidationError):
        TerminateRequested(**COMMON, reason="pool-gone")
    assert TerminateRequested(**COMMON, reason="pool-unclaimed").reason == "pool-unclaimed"
