"""Pure schedule arithmetic: which warnings and deadlines are due now.

Kept free of I/O so that lateness, warnings and races with extensions are
tested with a fake clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta


def due_warnings(
    expires_at: datetime, warned: Iterable[int], leads: Iterable[int], now: datetime
) -> list[int]:
    """Lead times (seconds) whose warning is due and not yet sent, largest first.

    A warning whose moment passed long ago is still sent once (the learner
    should know), unless the deadline itself has passed.
    """
    if now >= expires_at:
        return []
    sent = set(warned)
    return sorted(
        (
            lead
            for lead in set(leads)
            if lead not in sent and now >= expires_at - timedelta(seconds=lead)
        ),
        reverse=True,
    )


def is_due(expires_at: datetime, now: datetime) -> bool:
    return now >= expires_at


def next_wakeup(
    deadlines: Iterable[datetime], leads: Iterable[int], now: datetime
) -> datetime | None:
    """The earliest future moment at which something (warning or deadline) becomes due."""
    moments = [
        moment
        for deadline in deadlines
        for moment in [deadline, *(deadline - timedelta(seconds=lead) for lead in leads)]
        if moment > now
    ]
    return min(moments, default=None)
