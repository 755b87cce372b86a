"""Pure schedule arithmetic: what is due now, and whether a new deadline may replace the old.

Kept free of I/O so that lateness, warnings, stuck launches and races with
extensions are decided by functions tested with a fake clock; ``firing`` and
``schedules`` only carry their decisions to NATS and Postgres.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

FiredReason = Literal["expired", "startup-timeout"]


@dataclass(frozen=True)
class Entry:
    """One instance's row of the schedule, as the firing loop and the consumers see it.

    ``revision`` is 0 for the launch and n after the n-th extension; -1 for a row
    created by a status change or a cancellation seen before the launch, whose
    ``expires_at`` is still unknown (None).
    """

    instance: str
    owner: str
    expires_at: datetime | None
    revision: int
    warned: list[int] = field(default_factory=list)
    startup_deadline: datetime | None = None
    startup_settled_at: datetime | None = None
    fired_at: datetime | None = None
    cancelled_at: datetime | None = None
    trace_context: str | None = None


@dataclass(frozen=True)
class Terminate:
    """Ask the operator to end the instance; the message id makes a republish a duplicate."""

    reason: FiredReason
    message_id: str


@dataclass(frozen=True)
class Warn:
    """Announce ``lead`` (the nearest passed lead time); every lead in ``covered`` counts as sent."""

    lead: int
    covered: tuple[int, ...]
    message_id: str


class Refusal(StrEnum):
    """Why a new deadline did not replace the stored one."""

    STALE = "an equal or newer revision is already scheduled"
    FIRED = "the deadline already fired"
    CANCELLED = "the instance was terminated"


def due_warnings(
    expires_at: datetime, warned: Iterable[int], leads: Iterable[int], now: datetime
) -> list[int]:
    """Lead times (seconds) whose warning is due and not yet sent, largest first.

    A warning whose moment passed long ago is still due (the learner should
    know), unless the deadline itself has passed.
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


def startup_stuck(entry: Entry, now: datetime, grace: timedelta) -> bool:
    """A launch that never became Ready (nor Failed) by its startup deadline plus ``grace``.

    The grace leaves the operator, which sees the pods and says why, time to fail
    the Workshop first; expiry is the backstop for launches the operator never
    reported on (ADR 0031).
    """
    return (
        entry.startup_deadline is not None
        and entry.startup_settled_at is None
        and now >= entry.startup_deadline + grace
    )


def decide(
    entry: Entry, now: datetime, *, leads: Iterable[int], startup_grace: timedelta
) -> Terminate | Warn | None:
    """What to do now for one live (not fired, not cancelled) entry.

    The deadline wins over a stuck launch (one terminate, the truer reason for
    the learner); when several warnings are due at once (after downtime or a
    short extension) only the nearest is announced, so the learner reads one
    notice that matches the time left.
    """
    if entry.expires_at is not None and is_due(entry.expires_at, now):
        return Terminate("expired", f"expire:{entry.instance}:{entry.revision}")
    if startup_stuck(entry, now, startup_grace):
        return Terminate("startup-timeout", f"startup-timeout:{entry.instance}")
    if entry.expires_at is None:
        return None
    due = due_warnings(entry.expires_at, entry.warned, leads, now)
    if not due:
        return None
    lead = min(due)
    return Warn(lead, tuple(due), f"warn:{entry.instance}:{entry.revision}:{lead}")


def judge_move(current: Entry, revision: int) -> Refusal | None:
    """Whether a deadline decided at ``revision`` may replace ``current``'s (None: it may).

    A fired deadline is final: the terminate request is on its way to the
    operator and cannot be recalled, so an extension that arrives after it is
    refused (ADR 0030). Equal revisions are refused too: a redelivered event
    changes nothing.
    """
    if current.cancelled_at is not None:
        return Refusal.CANCELLED
    if current.fired_at is not None:
        return Refusal.FIRED
    if revision <= current.revision:
        return Refusal.STALE
    return None


def rearmed_warnings(current: Entry, expires_at: datetime) -> list[int]:
    """The warnings still counted as sent once the deadline moves to ``expires_at``.

    A moved deadline re-arms every warning: the learner hears again 15 and 5
    minutes before the new one.
    """
    return list(current.warned) if current.expires_at == expires_at else []


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
