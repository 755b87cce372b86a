"""What a reconcile is asked to look at: the changes its watch events reported.

Pure data and decisions for ``reconciling``: the requests that coalesce while a reconcile
waits (``Work``), which children they name, and the one Event that tells what was done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Body = dict[str, Any]
ChildKey = tuple[str, str]  # (kind, name)


@dataclass
class Work:
    """What the reconcile requests for one Workshop asked for, merged while they wait."""

    workshop: bool = False
    """The Workshop itself changed, or the resync asks: assess the phase."""
    everything: bool = False
    """Check every child, whatever this process remembers."""
    children: dict[ChildKey, Body | None] = field(default_factory=dict)
    """Children whose events came: the latest body of each, None once deleted."""
    body: Body | None = None
    """The Workshop as its latest event showed it."""


# The reason of the Event naming the children a reconcile created; when the same reconcile
# changes the phase, its text goes into the phase's Event instead (``reconciling``).
CREATED = "Created"


class Stale(Exception):
    """The Workshop changed since the body a reconcile started from: read it, go again."""


def changed_children(
    desired: list[Body], work: Work, *, full: bool
) -> list[tuple[Body, Body | None, bool]]:
    """Which children to look at: (desired, body an event gave or None, whether it is gone).

    All of them when ``full``; otherwise those that events came for (pure)."""
    chosen: list[tuple[Body, Body | None, bool]] = []
    for child in desired:
        key = (child["kind"], child["metadata"]["name"])
        if full:
            chosen.append((child, None, False))
        elif key in work.children:
            body = work.children[key]
            chosen.append((child, body, body is None))
        # else: nothing says it changed
    return chosen


def children_event(done: list[tuple[str, str]], current: str | None) -> tuple[str, str] | None:
    """One Event's reason and message for every child this reconcile created or repaired."""
    if not done:
        return None
    repairing = current == "Ready" or any(action == "repaired" for _, action in done)
    if repairing:
        return "Repaired", ", ".join(f"{what} {action} after drift" for what, action in done)
    return CREATED, ", ".join(f"{what} {action}" for what, action in done)
