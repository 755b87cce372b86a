"""Contract tests of the workspace events (docs/src/content/docs/decisions/0062): the operator's command
parser reads the deletion and every instance command; the live stream reads the warning;
neither is an instance event, so no consumer of ``AnyEvent`` meets one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from orchestra_shared import subjects
from orchestra_shared.events import (
    TerminateRequested,
    WorkspaceDeleteRequested,
    WorkspaceExpiring,
    encode_event,
    parse_command,
    parse_event,
    parse_streamed,
)
from orchestra_shared.permissions import PERMISSIONS

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DELETE = WorkspaceDeleteRequested(
    owner="ada@example.org", template_slug="jupyter", last_used_at=NOW
)
WARNING = WorkspaceExpiring(
    owner="ada@example.org",
    template_slug="jupyter",
    last_used_at=NOW,
    deletes_at=NOW + timedelta(days=30),
)


def test_the_operator_parses_the_deletion_and_the_instance_commands() -> None:
    assert parse_command(encode_event(DELETE)) == DELETE
    terminate = TerminateRequested(instance="jupyter-x-abcdef", owner="a@b.c", reason="user")
    assert parse_command(encode_event(terminate)) == terminate
    with pytest.raises(ValidationError):
        parse_event(encode_event(DELETE))  # no instance: never an ``AnyEvent``


def test_the_live_stream_parses_the_warning() -> None:
    assert parse_streamed(encode_event(WARNING)) == WARNING


def test_a_deletion_names_a_valid_template_and_nothing_else() -> None:
    data = json.loads(encode_event(DELETE))
    for bad in ({"template_slug": "../etc"}, {"claim": "data"}):
        with pytest.raises(ValidationError):
            parse_command(json.dumps({**data, **bad}))


def test_the_deletion_is_a_command_in_order_and_only_the_api_writes_either() -> None:
    assert subjects.SUBJECT_BY_TYPE[DELETE.type].startswith("orchestra.commands.")
    for subject in (subjects.WORKSPACE_DELETE_REQUESTED, subjects.WORKSPACE_EXPIRING):
        writers = [user for user, grant in PERMISSIONS.items() if subject in grant.publish]
        assert writers == ["api"]
