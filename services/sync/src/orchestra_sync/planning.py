"""Pure decision of what one observation changes, given what Postgres already holds.

``recording`` reads the instance row (locked), asks ``plan`` what to write and
writes exactly that. Kept free of I/O so that ordering, replay and catch-up
rules are tested with plain values:

- a Terminated instance is final: nothing changes it any more;
- an observation at or below the stored resourceVersion is a replay or older
  than what is stored: ignored;
- a vanished-Workshop observation is ignored when something was recorded after
  the list that missed the Workshop (it came back, or its deletion was seen);
- the steps to append are those after the last recorded transition, with
  consecutive repeats of one phase collapsed; if the cluster's clock puts the
  current phase at or before the last recorded one, it is clamped to that time
  so the history stays in order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from orchestra_sync.observing import Observation, Step


@dataclass(frozen=True)
class Stored:
    """The observed-status part of an instance row."""

    phase: str
    phase_changed_at: datetime | None
    observed_version: int


@dataclass(frozen=True)
class Requested:
    """A remembered ``terminate requested`` for the instance."""

    reason: str
    at: datetime


@dataclass(frozen=True)
class Plan:
    observation: Observation  # with the termination reason resolved
    steps: tuple[Step, ...]  # to append to the history, oldest first


def resolve_termination(
    observation: Observation, stored: Stored, requested: Requested | None
) -> Observation:
    """Name why and when a Workshop ended where the object itself did not say.

    A remembered terminate request names the reason when the object carries no
    annotation, and its time stands in for a deletion time the object does not
    give (the operator deletes on the request within moments; a DELETED event
    replayed after downtime would otherwise be stamped with the replay's time).
    Without a request, a Workshop that was Failed ended as failed.
    """
    if observation.phase != "Terminated":
        return observation
    reason = observation.reason
    at = observation.transitioned_at
    if requested is not None:
        if observation.reason_guessed:
            reason = requested.reason
        if observation.time_guessed and (
            stored.phase_changed_at is None or requested.at > stored.phase_changed_at
        ):
            at = min(at, requested.at)
    elif observation.reason_guessed and stored.phase == "Failed":
        reason = "failed"
    if (reason, at) == (observation.reason, observation.transitioned_at):
        return observation
    final = Step("Terminated", reason, observation.message, at)
    return replace(
        observation,
        reason=reason,
        transitioned_at=at,
        steps=(*observation.steps[:-1], final),
    )


def new_steps(observation: Observation, stored: Stored) -> tuple[Step, ...]:
    last_at = stored.phase_changed_at
    fresh = [s for s in observation.steps if last_at is None or s.at > last_at]
    current = observation.steps[-1] if observation.steps else None
    missing = current is not None and (not fresh or fresh[-1].phase != current.phase)
    if current is not None and missing and current.phase != stored.phase:
        at = current.at if last_at is None else max(current.at, last_at)
        fresh.append(replace(current, at=at))
    collapsed: list[Step] = []
    previous = stored.phase
    for step in fresh:
        if step.phase != previous:
            collapsed.append(step)
            previous = step.phase
    return tuple(collapsed)


def plan(
    observation: Observation, stored: Stored, requested: Requested | None = None
) -> Plan | None:
    """What to write for this observation; None when it changes nothing."""
    if stored.phase == "Terminated":
        return None
    if observation.version and observation.version <= stored.observed_version:
        return None
    if (
        observation.absent_from_version is not None
        and stored.observed_version > observation.absent_from_version
    ):
        return None
    resolved = resolve_termination(observation, stored, requested)
    return Plan(observation=resolved, steps=new_steps(resolved, stored))
