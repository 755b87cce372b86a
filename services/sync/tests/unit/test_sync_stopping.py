"""Sync's endless loops stop when cancelled, even after a client swallowed the cancellation.

On Python 3.11, ``asyncio.wait_for`` returns the result instead of raising
when the awaited reply lands in the same loop iteration as the cancellation
(nats-py's requests and asyncpg's pool go through it). The task is then still
marked as cancelling, but nothing will raise in it again: a loop that goes on
never ends, and a shutdown that waits for it hangs. These tests swallow the
cancellation on purpose, where a client would, and expect the loop to end.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, cast

import asyncpg
import pytest

from orchestra_sync.auditing import audit_forever
from orchestra_sync.config import SyncSettings
from orchestra_sync.remembering import Terminations
from orchestra_sync.syncing import Syncer

pytestmark = pytest.mark.timeout(30)


async def _swallow_one_cancellation(entered: asyncio.Event) -> None:
    """Waits until cancelled; the first time, returns as if the reply had arrived just in time."""
    swallowing = not entered.is_set()
    entered.set()
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        if not swallowing:
            raise


class SwallowingTerminations(Terminations):
    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()

    async def caught_up(self) -> bool:
        await _swallow_one_cancellation(self.entered)
        return True


class DownPool:
    """Postgres is away: every query fails as a refused connection does."""

    async def fetch(self, *args: Any, **kwargs: Any) -> Any:
        raise OSError("connection refused")

    async def fetchval(self, *args: Any, **kwargs: Any) -> Any:
        raise OSError("connection refused")


async def _ends_when_cancelled(task: asyncio.Task[None], entered: asyncio.Event) -> None:
    await asyncio.wait_for(entered.wait(), timeout=10)
    task.cancel()
    try:
        done, _ = await asyncio.wait([task], timeout=10)
        assert done, "the loop went on after its cancellation was swallowed"
        assert task.cancelled()
    finally:
        task.cancel()  # a second cancellation is not swallowed: the test ends either way
        await asyncio.gather(task, return_exceptions=True)


async def test_the_vanished_check_stops_though_a_client_swallowed_its_cancellation() -> None:
    settings = SyncSettings(database_dsn="postgresql://unused", backoff_min=0.01, backoff_max=0.02)
    terminations = SwallowingTerminations()
    syncer = Syncer(cast(asyncpg.Pool, DownPool()), settings, terminations=terminations)
    await syncer.on_snapshot([], "7")  # a list happened: the check has work to do
    task = asyncio.create_task(syncer.reconcile_vanished_forever())
    await _ends_when_cancelled(task, terminations.entered)


async def test_the_audit_stops_though_a_client_swallowed_its_cancellation() -> None:
    entered = asyncio.Event()

    async def names() -> list[str]:
        await _swallow_one_cancellation(entered)
        raise OSError("the cluster did not answer")

    task = asyncio.create_task(
        audit_forever(
            cast(asyncpg.Pool, DownPool()),
            names,
            interval=0.01,
            grace=60,
            clock=lambda: datetime.now(UTC),
            errors=(OSError,),
        )
    )
    await _ends_when_cancelled(task, entered)
