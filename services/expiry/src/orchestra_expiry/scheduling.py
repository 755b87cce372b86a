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

FiredReason = Literal["expired", "startup-timeout", "idle"]


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
    idle_timeout_seconds: int | None = None
    idle_warning_seconds: int | None = None
    last_active_at: datetime | None = None
    idle_warned_for: datetime | None = None

    @property
    def idle_ends_at(self) -> datetime | None:
        """When the session ends for idleness if nothing happens before (None: never)."""
        if self.idle_timeout_seconds is None or self.last_active_at is None:
            return None
        return self.last_active_at + timedelta(seconds=self.idle_timeout_seconds)

    @property
    def idle_warning_at(self) -> datetime | None:
        ends = self.idle_ends_at
        if ends is None:
            return None
        return ends - timedelta(seconds=self.idle_warning_seconds or 0)


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


@dataclass(frozen=True)
class IdleWarn:
    """Tell the learner their idle session ends at ``ends_at``; one per idle period."""

    idle_since: datetime
    ends_at: datetime
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


def _idle_stamp(moment: datetime) -> str:
    return f"{moment.timestamp():.3f}"


def idle_action(entry: Entry, now: datetime) -> Terminate | IdleWarn | None:
    """The idle rule (docs/src/content/docs/decisions/0060): end the session ``timeout`` after its last activity,
    warn ``warning`` before that, once per idle period (new activity starts a new one).

    Message ids carry the last activity, so a republished firing or warning for the same
    idle period is a JetStream duplicate, and a later period gets its own."""
    ends, warn_at, since = entry.idle_ends_at, entry.idle_warning_at, entry.last_active_at
    if ends is None or warn_at is None or since is None:
        return None
    if now >= ends:
        return Terminate("idle", f"idle:{entry.instance}:{_idle_stamp(since)}")
    if now >= warn_at and entry.idle_warned_for != since:
        return IdleWarn(since, ends, f"idle-warn:{entry.instance}:{_idle_stamp(since)}")
    return None


def decide(
    entry: Entry, now: datetime, *, leads: Iterable[int], startup_grace: timedelta
) -> Terminate | Warn | IdleWarn | None:
    """What to do now for one live (not fired, not cancelled) entry.

    The deadline wins over a stuck launch (one terminate, the truer reason for
    the learner), and both over idleness; when several warnings are due at once
    (after downtime or a short extension) only the nearest is announced, so the
    learner reads one notice that matches the time left. An idle warning waits
    for the next scan when a deadline warning is due in the same one.
    """
    if entry.expires_at is not None and is_due(entry.expires_at, now):
        return Terminate("expired", f"expire:{entry.instance}:{entry.revision}")
    if startup_stuck(entry, now, startup_grace):
        return Terminate("startup-timeout", f"startup-timeout:{entry.instance}")
    idle = idle_action(entry, now)
    if isinstance(idle, Terminate):
        return idle
    due = (
        [] if entry.expires_at is None else due_warnings(entry.expires_at, entry.warned, leads, now)
    )
    if due:
        lead = min(due)
        return Warn(lead, tuple(due), f"warn:{entry.instance}:{entry.revision}:{lead}")
    return idle


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
