"""Bringing a dead service of the dev stack back, instead of stopping the whole stack.

A developer's ``make dev`` runs for hours; when one service dies (a bug being
worked on, a port taken between choosing and binding it), the launcher shows
why (its log tail) and starts it again, so the rest of the stack and the
browser tabs on it carry on. A service that keeps dying is given up on after
``max_restarts`` within ``window`` seconds, and then the stack stops, as it did
before: a loop of crashes helps nobody. Used by ``main``.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from orchestra_devstack.processes import ManagedProcess, ProcessError

Report = Callable[[str], None]


@dataclass
class Reviver:
    max_restarts: int = 5
    window: float = 120.0
    now: Callable[[], float] = time.monotonic
    _restarts: defaultdict[str, deque[float]] = field(
        default_factory=lambda: defaultdict(deque), repr=False
    )

    def may_restart(self, name: str) -> bool:
        """Whether ``name`` has restarts left in the current window (pure bookkeeping)."""
        recent = self._restarts[name]
        while recent and self.now() - recent[0] > self.window:
            recent.popleft()
        return len(recent) < self.max_restarts

    async def revive(self, process: ManagedProcess, *, report: Report) -> bool:
        """Start a dead ``process`` again; False when it died too often (stop the stack)."""
        report(
            f"orchestra-dev: {process.name} exited with code {process.returncode}; "
            f"its log:\n{process.log_tail()}"
        )
        if not self.may_restart(process.name):
            report(
                f"orchestra-dev: {process.name} died {self.max_restarts} times within "
                f"{self.window:g} s; stopping the stack"
            )
            return False
        self._restarts[process.name].append(self.now())
        report(f"orchestra-dev: restarting {process.name} ...")
        try:
            await process.start()
        except ProcessError as error:
            report(f"orchestra-dev: {process.name} did not come back: {error}")
            return self.may_restart(process.name)  # tried again on the next round
        report(f"orchestra-dev: {process.name} is back")
        return True
