"""The operator's own deadline rule: a Workshop past spec.expiresAt by more than the grace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestra_operator.resyncing import past_deadline

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
GRACE = timedelta(minutes=2)


def workshop(expires_at: Any) -> dict[str, Any]:
    return {"metadata": {"name": "w"}, "spec": {"expiresAt": expires_at}}


@pytest.mark.parametrize(
    ("expires_at", "ended"),
    [
        ("2026-09-01T08:00:00Z", True),  # an hour late
        ("2026-09-01T08:57:59Z", True),  # just past the grace
        ("2026-09-01T08:58:00Z", False),  # exactly at the grace: expiry still has it
        ("2026-09-01T08:59:00Z", False),  # within the grace
        ("2026-09-01T11:00:00Z", False),  # in the future
        ("2026-09-01T08:00:00+00:00", True),
        ("not a time", False),  # an invalid spec is reported Failed, then cleaned up
        ("2026-09-01T08:00:00", False),  # no zone: never guess
        (None, False),
    ],
)
def test_only_a_workshop_past_its_deadline_and_the_grace_is_ended(
    expires_at: Any, ended: bool
) -> None:
    assert past_deadline(workshop(expires_at), NOW, GRACE) is ended


def test_a_workshop_without_a_spec_is_left_to_the_reconcile() -> None:
    assert past_deadline({"metadata": {"name": "w"}}, NOW, GRACE) is False
