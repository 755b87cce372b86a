"""Sample events as the api and sync publish them, with only what a test cares about to fill in."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.expiry.tests.integration.clocks import LAUNCHED

from orchestra_shared.events import (
    ExtendRequested,
    LaunchRequested,
    StatusChanged,
    TerminateRequested,
    TerminationReason,
)
from orchestra_shared.phases import Phase

OWNER = "ada@example.org"
# The deadline of a two-hour session launched at LAUNCHED.
EXPIRES = LAUNCHED + timedelta(hours=2)


def launch(
    instance: str,
    *,
    expires_at: datetime = EXPIRES,
    startup_timeout: int = 600,
    occurred_at: datetime = LAUNCHED,
    idle: tuple[int, int] | None = None,
) -> LaunchRequested:
    """``idle``: the template's idle timeout and warning, in seconds (None: no idle rule)."""
    return LaunchRequested(
        instance=instance,
        owner=OWNER,
        template_slug="rstudio",
        expires_at=expires_at,
        startup_timeout_seconds=startup_timeout,
        occurred_at=occurred_at,
        idle_timeout_seconds=idle[0] if idle else None,
        idle_warning_seconds=idle[1] if idle else None,
    )


def extend(instance: str, *, expires_at: datetime, extension: int) -> ExtendRequested:
    return ExtendRequested(
        instance=instance, owner=OWNER, expires_at=expires_at, extension=extension
    )


def status(instance: str, phase: Phase, *, at: datetime = LAUNCHED) -> StatusChanged:
    return StatusChanged(instance=instance, owner=OWNER, phase=phase, transitioned_at=at)


def terminate(instance: str, reason: TerminationReason = "user") -> TerminateRequested:
    return TerminateRequested(instance=instance, owner=OWNER, reason=reason)
