"""Whether an instructor may still be in a learner's workshop (docs/src/content/docs/decisions/0070).

The owner's session holds for as long as its cookie lasts. An instructor's holds
only while the learner consents (or the class lets instructors in without asking),
and the learner may take consent back at any moment, so the gate asks Postgres the
same question the api asked before minting the ticket (``HELP_ALLOWED_SQL``): when
the ticket is redeemed, and again on the instructor's requests, at most once per
``recheck`` seconds per instance (the answer is remembered that long). An open
WebSocket of an instructor is watched the same way and closed when consent goes.
If Postgres does not answer, the instructor is refused: the door fails shut.
Called by ``routes``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import asyncpg

from orchestra_shared.tables import HELP_ALLOWED_SQL

# Instances whose answer is remembered at most; more than a gate replica ever helps in.
REMEMBERED = 10_000
# While watching an open WebSocket, never ask more often than this (seconds).
WATCH_FLOOR = 1.0


class Consents:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        recheck: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pool = pool
        self.recheck = recheck
        self.clock = clock
        self._answers: dict[str, tuple[float, bool]] = {}

    async def allowed(self, instance: str) -> bool:
        """Whether instructors may be in ``instance`` now; raises if Postgres cannot say."""
        now = self.clock()
        known = self._answers.get(instance)
        if known is not None and now - known[0] < self.recheck:
            return known[1]
        answer = bool(await self.pool.fetchval(HELP_ALLOWED_SQL, instance))
        if len(self._answers) >= REMEMBERED:
            self._answers.clear()
        self._answers[instance] = (now, answer)
        return answer

    async def until_withdrawn(self, instance: str) -> None:
        """Returns once instructors may no longer be in ``instance`` (or it cannot be told)."""
        try:
            while await self.allowed(instance):  # noqa: ASYNC110 - polling Postgres, not a flag
                await asyncio.sleep(max(self.recheck, WATCH_FLOOR))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return
