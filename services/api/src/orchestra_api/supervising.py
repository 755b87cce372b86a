"""The instructor's live view: which events concern which class (docs/src/content/docs/decisions/0070).

The hub's one consumer sees every phase change, warning, waiting-room move, roster
change and gate activity report. ``nudges`` turns each into ``roster`` notices, one
per class concerned, for the hub to hand to that class's instructors. Class notices
name their class; instance events name an instance, whose class ``ClassIndex`` looks
up in Postgres once and remembers (an instance's class is written at launch and never
changes). A notice says what happened and to whom, not the whole roster: the dashboard
reads the roster again when told (at most once a second), so it never shows a state
pieced together from events. Called by the ``Hub`` (wired in ``main``).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Literal

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orchestra_api.streaming import Notice
from orchestra_shared.activities import parse_report
from orchestra_shared.events import (
    Expiring,
    IdleWarning,
    RosterChanged,
    StatusChanged,
    WaitingChanged,
    parse_streamed,
)
from orchestra_shared.subjects import ACTIVITY_REPORTED

log = logging.getLogger(__name__)

ROSTER = "roster"
# Instances whose class is remembered; past it the oldest are looked up again if needed.
REMEMBERED = 20_000

RosterWhat = Literal["joined", "help", "waiting", "status", "expiring", "idle", "activity"]


class RosterNudge(BaseModel):
    """``event: roster`` on an instructor's class stream: something changed for a learner."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    class_id: str
    what: RosterWhat = Field(
        description=(
            "joined; help (consent granted or withdrawn); waiting (the line moved); status "
            "(a phase change, failures included); expiring, idle (warnings); activity (the "
            "gate saw work)."
        )
    )
    learner: str | None = Field(default=None, description="Whom it concerns, when one learner.")
    instance: str | None = None
    phase: str | None = Field(default=None, description="For status: the new phase.")
    instances: list[str] = Field(
        default_factory=list, description="For activity: the class's instances that saw work."
    )


class ClassIndex:
    """Instance name → class id (the class's, or its pool's), from Postgres, remembered
    (bounded)."""

    def __init__(self, pool: asyncpg.Pool, *, remembered: int = REMEMBERED) -> None:
        self.pool = pool
        self.remembered = remembered
        self._known: OrderedDict[str, str | None] = OrderedDict()
        self.lookups = 0  # asserted in tests: one per instance, not one per event

    async def class_of(self, instance: str) -> str | None:
        if instance in self._known:
            self._known.move_to_end(instance)
            return self._known[instance]
        self.lookups += 1
        # A warm instance belongs to its class's pool before any learner claims it (its own
        # class_id is set only by the claim), so its phases move the instructor's view too.
        class_id: str | None = await self.pool.fetchval(
            """SELECT coalesce(i.class_id, w.class_id)
                 FROM instances i LEFT JOIN warm_instances w ON w.name = i.name
                WHERE i.name = $1""",
            instance,
        )
        self._known[instance] = class_id
        while len(self._known) > self.remembered:
            self._known.popitem(last=False)
        return class_id


def _notice(nudge: RosterNudge, seq: int) -> Notice:
    return Notice(
        kind=ROSTER,
        seq=seq,
        owner=nudge.learner or "",
        data=nudge.model_dump_json(exclude_defaults=True),
        class_id=nudge.class_id,
    )


async def nudges(subject: str, data: bytes, seq: int, *, index: ClassIndex) -> list[Notice]:
    """The instructors' notices for one stream message (none if no class is concerned)."""
    try:
        if subject == ACTIVITY_REPORTED:
            by_class: dict[str, list[str]] = {}
            for seen in parse_report(data).instances:
                class_id = await index.class_of(seen.instance)
                if class_id is not None:
                    by_class.setdefault(class_id, []).append(seen.instance)
            return [
                _notice(RosterNudge(class_id=c, what="activity", instances=names), seq)
                for c, names in by_class.items()
            ]
        event = parse_streamed(data)
    except ValidationError:
        return []
    nudge: RosterNudge | None = None
    if isinstance(event, RosterChanged):
        nudge = RosterNudge(
            class_id=event.class_id, what=event.what, learner=event.owner, instance=event.instance
        )
    elif isinstance(event, WaitingChanged):
        nudge = RosterNudge(
            class_id=event.class_id, what="waiting", learner=event.owner, instance=event.instance
        )
    elif isinstance(event, StatusChanged | Expiring | IdleWarning):
        class_id = await index.class_of(event.instance)
        if class_id is not None:
            what: RosterWhat = (
                "status"
                if isinstance(event, StatusChanged)
                else "expiring"
                if isinstance(event, Expiring)
                else "idle"
            )
            nudge = RosterNudge(
                class_id=class_id,
                what=what,
                learner=event.owner,
                instance=event.instance,
                phase=event.phase if isinstance(event, StatusChanged) else None,
            )
    return [_notice(nudge, seq)] if nudge is not None else []
