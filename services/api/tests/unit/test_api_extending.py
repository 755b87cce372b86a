"""Extension rules: phase, deadline, number of extensions, lifetime from creation."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestra_api.extending import extension_length, max_lifetime, plan_extension
from orchestra_api.problems import (
    ExtensionsExhausted,
    InstanceEnded,
    InvalidRequest,
    LifetimeExceeded,
)
from orchestra_api.records import InstanceRecord
from orchestra_shared.catalogs import Catalog

CREATED = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
NOW = CREATED + timedelta(minutes=30)
RECORD = InstanceRecord(
    name="rstudio-0901-abcde", owner="ada@example.org", template_slug="rstudio",
    template_name="RStudio", phase="Ready", reason=None, message=None, url=None,
    created_at=CREATED, expires_at=CREATED + timedelta(hours=2), ready_at=None,
    terminated_at=None, extensions=0, max_duration_seconds=4 * 3600,
    terminate_requested_at=None,
)  # fmt: skip
FOUR_HOURS = timedelta(hours=4)


def plan(record: InstanceRecord = RECORD, by: timedelta = timedelta(hours=1)) -> datetime:
    return plan_extension(record, by, now=NOW, max_extensions=2, max_lifetime=FOUR_HOURS)


def test_an_extension_adds_to_the_current_deadline() -> None:
    assert plan() == CREATED + timedelta(hours=3)


def test_up_to_exactly_the_maximum_lifetime_is_allowed() -> None:
    assert plan(by=timedelta(hours=2)) == CREATED + FOUR_HOURS
    with pytest.raises(LifetimeExceeded):
        plan(by=timedelta(hours=2, seconds=1))


@pytest.mark.parametrize("phase", ["Failed", "Terminating", "Terminated"])
def test_ended_phases_cannot_be_extended(phase: str) -> None:
    with pytest.raises(InstanceEnded):
        plan(replace(RECORD, phase=phase))


def test_a_requested_termination_or_a_passed_deadline_cannot_be_extended() -> None:
    with pytest.raises(InstanceEnded, match="requested"):
        plan(replace(RECORD, terminate_requested_at=NOW))
    with pytest.raises(InstanceEnded, match="expired"):
        plan(replace(RECORD, expires_at=NOW))


def test_the_number_of_extensions_is_bounded() -> None:
    with pytest.raises(ExtensionsExhausted):
        plan(replace(RECORD, extensions=2))


@given(
    extensions=st.integers(0, 5),
    minutes=st.integers(1, 600),
    lifetime=st.integers(30, 1440),
)
def test_an_accepted_extension_never_passes_the_lifetime(
    extensions: int, minutes: int, lifetime: int
) -> None:
    record = replace(RECORD, extensions=extensions, expires_at=CREATED + timedelta(minutes=29 + 1))
    try:
        deadline = plan_extension(
            record,
            timedelta(minutes=minutes),
            now=CREATED,
            max_extensions=3,
            max_lifetime=timedelta(minutes=lifetime),
        )
    except (ExtensionsExhausted, LifetimeExceeded):
        return
    assert extensions < 3
    assert deadline - CREATED <= timedelta(minutes=lifetime)


@pytest.mark.parametrize("text", ["", "soon", "0m", "-5m"])
def test_bad_lengths_are_invalid(text: str) -> None:
    with pytest.raises(InvalidRequest):
        extension_length(text)


def test_older_rows_fall_back_to_the_catalog_then_the_platform_maximum() -> None:
    old = replace(RECORD, max_duration_seconds=None)
    assert max_lifetime(RECORD, Catalog(templates={})) == FOUR_HOURS
    assert max_lifetime(old, Catalog(templates={})) == timedelta(days=1)
