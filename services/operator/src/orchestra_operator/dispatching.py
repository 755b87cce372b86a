"""Commands of one learner in order, different learners' side by side.

The command consumer used to handle one message at a time, and a launch is half a dozen
round trips to the Kubernetes API (the name check, the namespace and its guard rails, the
Workshop): at a class's burst the queue grew behind those round trips while the operator's
CPU sat idle between them (docs/src/content/docs/benchmarks/burst.md). ``Lanes`` runs the
commands of each learner (the event's ``owner``: a learner's launch, its terminate and its
extensions, and everything that shares the learner's namespace) one after another in the
order they arrived, and those of different learners concurrently, at most ``width`` at a
time. ``submit`` waits for a free place, so the consumer pulls no more than it can work on.

Nothing else changes: each command is still acknowledged only once its effect is in the
Kubernetes API (a crash redelivers whatever was in flight, and every handler is
idempotent), and only the leader consumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


def lane_of(data: bytes) -> str:
    """The learner a command is about (pure); "" for what is not a command at all."""
    try:
        decoded = json.loads(data)
    except ValueError:
        return ""
    owner = decoded.get("owner") if isinstance(decoded, dict) else None
    return owner if isinstance(owner, str) else ""


class Lanes:
    def __init__(self, width: int) -> None:
        self._places = asyncio.Semaphore(max(1, width))
        self._last: dict[str, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._closed = False

    async def submit(self, lane: str, work: Callable[[], Awaitable[None]]) -> bool:
        """Start ``work`` after the lane's earlier work; False once closing (not started)."""
        await self._places.acquire()
        if self._closed:
            self._places.release()
            return False
        task = asyncio.create_task(self._run(lane, self._last.get(lane), work))
        self._last[lane] = task
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return True

    async def _run(
        self, lane: str, before: asyncio.Task[None] | None, work: Callable[[], Awaitable[None]]
    ) -> None:
        try:
            if before is not None:
                await asyncio.wait([before])  # its outcome is its own; only its end matters
            await work()
        except Exception:
            log.exception("a command's handling failed outside its own error handling")
        finally:
            self._places.release()
            if self._last.get(lane) is asyncio.current_task():
                del self._last[lane]

    @property
    def busy(self) -> int:
        return len(self._running)

    async def close(self, grace: float) -> None:
        """Take nothing more; let what runs finish for ``grace`` seconds, then cancel it
        (unacknowledged, it is redelivered to whichever replica leads next)."""
        self._closed = True
        running = list(self._running)
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=grace)
        for task in late:
            task.cancel()
        for task in late:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
