"""The Syncer: what sync does with each watch event, each relist and each vanished Workshop.

The watch (``watching``) hands every event and every relist here; each becomes an
``Observation`` (``observing``), recorded through the ``Pipeline`` (different
Workshops concurrently, committed in watch order), announced by waking the outbox
relay, measured (lag, launch to Ready) and traced. Instances whose Workshop
vanished while sync was not watching (seen in a relist, or in the audit's list
when the watch missed a deletion) are recorded as Terminated, with the reason
remembered from their terminate request when there was one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import asyncpg

from orchestra_shared.retrying import POSTGRES_OUTAGES, Backoff, raise_if_cancelled
from orchestra_sync.config import SyncSettings
from orchestra_sync.errors import Unavailable
from orchestra_sync.metering import LAUNCH_TO_READY, LagObserver, lag_seconds, observe_lag
from orchestra_sync.observing import Observation, observe, resource_version, vanished
from orchestra_sync.pipelining import Pipeline, Settled, Turn
from orchestra_sync.recording import Recorded, record, recorded_candidates
from orchestra_sync.remembering import Terminations
from orchestra_sync.tracing import trace_recorded

log = logging.getLogger(__name__)
DATABASE_ERRORS = POSTGRES_OUTAGES


Listing = tuple[frozenset[str], int]  # the Workshops a list showed, and its resourceVersion


def _now() -> datetime:
    return datetime.now(UTC)


def _listing(names: Iterable[str], listed: str) -> Listing | None:
    """None for an opaque version: it cannot order anything, so vanished rows are left alone."""
    try:
        return frozenset(names), int(listed)
    except ValueError:
        return None


class Syncer:
    """Glue between the watch and the database; one per process."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: SyncSettings,
        *,
        terminations: Terminations | None = None,
        wake_relay: Callable[[], None] = lambda: None,
        lag: LagObserver = observe_lag,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.terminations = terminations
        self.wake_relay = wake_relay
        self.lag = lag
        self.clock = clock
        self._listed: Listing | None = None
        self._audited: Listing | None = None
        self._listed_changed = asyncio.Event()
        self._pipeline = Pipeline(settings.record_concurrency)

    async def apply(
        self, observation: Observation | None, *, turn: Turn | None = None
    ) -> Recorded | None:
        """Record one observation; ``Unavailable`` when Postgres did not take it."""
        if observation is None:
            return None
        try:
            recorded = await record(self.pool, observation, turn=turn)
        except DATABASE_ERRORS as error:
            raise Unavailable("recording failed") from error
        if recorded is not None and recorded.steps:
            committed = self.clock()
            for step in recorded.steps:
                self.lag(lag_seconds(step.at, committed))
            if recorded.first_ready is not None and recorded.created_at is not None:
                LAUNCH_TO_READY.observe(
                    max(lag_seconds(recorded.created_at, recorded.first_ready), 0)
                )
            trace_recorded(observation, recorded, committed)
            log.info(
                "transition recorded",
                extra={"workshop": recorded.name, "phases": [s.phase for s in recorded.steps]},
            )
            self.wake_relay()
        return recorded

    async def on_event(self, kind: str, obj: dict[str, Any]) -> None:
        """Record one event before returning (no pipeline)."""
        await self.apply(observe(obj, deleted=kind == "DELETED", now=self.clock()))

    async def _submit(
        self, pipeline: Pipeline, observation: Observation | None, label: str | None
    ) -> None:
        if observation is None:
            await pipeline.passed(label)
            return
        await pipeline.submit(
            observation.name, label, lambda turn: self.apply(observation, turn=turn)
        )

    async def on_watched(self, kind: str, obj: dict[str, Any]) -> None:
        """Start recording one watch event; ``Unavailable`` if an earlier one failed."""
        label = str(obj.get("metadata", {}).get("resourceVersion") or "") or None
        if kind == "BOOKMARK":
            await self._pipeline.passed(label)
            return
        observation = observe(obj, deleted=kind == "DELETED", now=self.clock())
        await self._submit(self._pipeline, observation, label)

    async def settle(self) -> Settled:
        """Wait for the watched events in flight; where the next watch may resume from."""
        pipeline, self._pipeline = self._pipeline, Pipeline(self.settings.record_concurrency)
        return await pipeline.settle()

    async def abandon(self) -> None:
        """Shutdown: recordings in flight are cancelled (rolled back), not waited for."""
        await asyncio.gather(*self._pipeline.abandon(), return_exceptions=True)

    async def on_snapshot(self, items: list[dict[str, Any]], listed: str) -> None:
        now = self.clock()
        pipeline = Pipeline(self.settings.record_concurrency)
        try:
            for obj in sorted(items, key=resource_version):  # committed oldest first, as watched
                await self._submit(pipeline, observe(obj, deleted=False, now=now), None)
        except BaseException:
            # Cancelled or failed half-way: nothing of this list may stay in flight.
            await asyncio.gather(*pipeline.abandon(), return_exceptions=True)
            raise
        settled = await pipeline.settle()
        if settled.failure is not None:
            raise settled.failure
        self._offer(_listing((obj["metadata"]["name"] for obj in items), listed))

    def audited(self, names: Iterable[str], listed: str) -> None:
        """The audit's list: checked for vanished Workshops at the next audit, not now.

        The watch reports a deletion within moments; one it has not reported an
        audit interval later was missed, and the check records it. So a lost
        DELETED cannot leave an instance Running in the history forever (the
        check no longer waits for a relist, which a healthy watch never needs),
        and a deletion the watch is about to report keeps its last steps.
        """
        previous, self._audited = self._audited, _listing(names, listed)
        self._offer(previous)

    def _offer(self, listing: Listing | None) -> None:
        """Hand a list to the vanished check, unless it already has a newer one."""
        if listing is None or (self._listed is not None and self._listed[1] >= listing[1]):
            return
        self._listed = listing
        self._listed_changed.set()

    async def reconcile_vanished(self, present: frozenset[str], listed: int) -> int:
        """Record as Terminated what a list at ``listed`` no longer shows; returns how many."""
        try:
            names = await recorded_candidates(self.pool, listed)
        except DATABASE_ERRORS as error:
            raise Unavailable("reading instances failed") from error
        count = 0
        for name in sorted(set(names) - present):
            recorded = await self.apply(vanished(name, listed_version=listed, now=self.clock()))
            count += bool(recorded and recorded.steps)
        return count

    async def _reasons_known(self) -> bool:
        """Wait (bounded) until the terminate requests published so far are remembered."""
        if self.terminations is None:
            return True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.vanished_reason_wait
        while not await self.terminations.caught_up():
            if loop.time() >= deadline:
                log.warning("termination reasons unknown (NATS?); recording vanished without")
                return False
            await asyncio.sleep(self.settings.backoff_min)
        return True

    async def reconcile_vanished_forever(self) -> None:
        backoff = Backoff(self.settings.backoff_min, self.settings.backoff_max)
        while True:
            raise_if_cancelled()  # Python 3.11's wait_for can swallow one (in nats-py)
            await self._listed_changed.wait()
            self._listed_changed.clear()
            if self._listed is None:
                continue
            await self._reasons_known()
            present, listed = self._listed
            try:
                count = await self.reconcile_vanished(present, listed)
            except Unavailable as error:
                log.warning("vanished check failed; retrying", extra={"error": repr(error)})
                self._listed_changed.set()
                await backoff.wait()
                continue
            backoff.reset()
            if count:
                log.info("vanished workshops recorded as terminated", extra={"count": count})
