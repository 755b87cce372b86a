"""A clock that tests move by hand, handed to ``fire_due`` in place of the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# A fixed launch moment; expiry never reads the wall clock when handed a FakeClock.
LAUNCHED = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


class FakeClock:
    """Stands still until a test moves it, so minutes pass in no time."""

    def __init__(self, now: datetime = LAUNCHED) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
