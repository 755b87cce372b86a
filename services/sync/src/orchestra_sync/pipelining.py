"""Recording watched observations of different Workshops concurrently, committing in watch order.

``syncing.Syncer`` hands every watch event to a ``Pipeline`` and, when the watch
ends, ``settle``s it for the version to resume from. Up to ``concurrency``
observations are in flight at once, each in its own task and transaction;
a ``sequencing.Ledger`` decides the order: an observation starts after the
previous one of the same Workshop finished, and commits (``turn``) only when
every older observation has finished, so Postgres always holds a prefix of the
watch and ``recording.resume_point`` stays safe after a crash (ADR 0022).

The first failure stops the pipeline: the tasks still in flight are cancelled
(their transactions roll back), ``submit`` raises it, and ``settle`` returns it
with the watermark below it, so the watch resumes from there and the failed
observation is retried, never skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from orchestra_shared.retrying import raise_if_cancelled
from orchestra_sync.sequencing import Ledger, Ticket

Turn = Callable[[], Awaitable[None]]
Work = Callable[[Turn], Awaitable[object]]  # records one observation; awaits Turn before commit


@dataclass(frozen=True)
class Settled:
    version: str | None  # the resume point: every observation up to it is recorded
    failure: Exception | None  # what stopped the pipeline, if anything


class Pipeline:
    def __init__(self, concurrency: int) -> None:
        self._ledger = Ledger()
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: dict[int, asyncio.Task[None]] = {}
        # Replaced on every move of the ledger; setting it is synchronous, so no wake-up
        # is lost to a cancellation (a lost one would leave a transaction open for ever).
        self._moved = asyncio.Event()
        self._failure: Exception | None = None

    async def passed(self, label: str | None) -> None:
        """Nothing to record at ``label`` (a bookmark, an object sync does not track)."""
        self._raise_failure()
        ticket = self._ledger.admit(None, label)
        self._finish(ticket)

    async def submit(self, key: str, label: str | None, work: Work) -> None:
        """Start recording; waits while ``concurrency`` observations are in flight."""
        self._raise_failure()
        await self._slots.acquire()
        if self._failure is not None:
            self._slots.release()
            self._raise_failure()
        ticket = self._ledger.admit(key, label)
        previous = None if ticket.after is None else self._tasks.get(ticket.after)
        self._tasks[ticket.number] = asyncio.create_task(
            self._run(ticket, previous, work), name=f"record {key}"
        )

    def abandon(self) -> list[asyncio.Task[None]]:
        """Cancel everything in flight (shutdown): their transactions roll back."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        return tasks

    async def settle(self) -> Settled:
        """Wait for everything in flight (cancelled when this is); the pipeline is spent after."""
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        return Settled(self._ledger.resume, self._failure)

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    async def _run(self, ticket: Ticket, previous: asyncio.Task[None] | None, work: Work) -> None:
        try:
            if previous is not None:
                await asyncio.wait([previous])
            if self._failure is None:
                await work(lambda: self._turn(ticket.number))
                self._finish(ticket)
        except Exception as error:  # Unavailable, or a bug: either stops the pipeline
            self._fail(ticket.number, error)
        finally:
            self._tasks.pop(ticket.number, None)
            self._slots.release()

    async def _turn(self, number: int) -> None:
        while True:
            raise_if_cancelled()
            moved = self._moved  # taken before the check: a move after it sets this one
            if self._ledger.first_pending() == number:
                return
            await moved.wait()

    def _finish(self, ticket: Ticket) -> None:
        self._ledger.finish(ticket.number)
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()

    def _fail(self, number: int, error: Exception) -> None:
        if self._failure is None:
            self._failure = error
        for other, task in self._tasks.items():
            if other != number:
                task.cancel()
