"""The one way Orchestra's services wait before trying again: exponential backoff with jitter.

Every loop that survives an outage (a relay publishing to NATS, a consumer
fetching, a watch reconnecting, a service waiting for Postgres at start) backs
off the same way. Jitter matters at 9 am: after a NATS or Postgres restart,
hundreds of clients that failed together must not retry together. The delay
doubles from ``initial`` up to ``maximum``; each wait is drawn from the upper
half of that step ("equal jitter"), so it is never zero and never more than
the cap. ``reset`` after a success starts again from ``initial``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

T = TypeVar("T")

# What Postgres being away (stopped, restarting, a cut connection) looks like to asyncpg;
# InternalClientError is a connection an outage left mid-operation. Retried, never fatal.
POSTGRES_OUTAGES = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
    TimeoutError,
)


class Backoff:
    def __init__(
        self,
        initial: float,
        maximum: float,
        *,
        factor: float = 2.0,
        draw: Callable[[], float] = random.random,
    ) -> None:
        if initial <= 0 or maximum < initial or factor < 1:
            raise ValueError("backoff needs 0 < initial <= maximum and factor >= 1")
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self._draw = draw
        self._step = initial

    def next_delay(self) -> float:
        """The next wait in seconds, in ``[step / 2, step]``; the step then grows."""
        step = self._step
        self._step = min(self._step * self.factor, self.maximum)
        return step / 2 + self._draw() * step / 2

    def reset(self) -> None:
        self._step = self.initial

    async def wait(self) -> None:
        await asyncio.sleep(self.next_delay())


async def until_done(
    attempt: Callable[[], Awaitable[T]],
    *,
    retry_on: tuple[type[BaseException], ...],
    backoff: Backoff,
    what: str,
    log: logging.Logger,
) -> T:
    """Call ``attempt`` until it returns, backing off after each error in ``retry_on``.

    For dependencies that may come up after the service (a fresh cluster, a
    restarted node): the service waits instead of exiting. Any other error is a
    bug and propagates.
    """
    while True:
        try:
            return await attempt()
        except retry_on as error:
            log.warning("%s not answering; retrying", what, extra={"error": repr(error)})
        raise_if_cancelled()
        await backoff.wait()


async def pass_forever(
    one_pass: Callable[[], Awaitable[object]],
    *,
    woken: asyncio.Event,
    interval: float,
    what: str,
    log: logging.Logger,
) -> None:
    """Run ``one_pass`` for ever: again after ``interval`` seconds, or at once when ``woken``
    is set (a NOTIFY, a claim), backing off while Postgres is out.

    The api's level-based loops over its own tables (the waiting room's admitter, the warm
    pools' keeper) share it: each pass reads what to do from the rows, so a pass that is
    skipped or repeated loses nothing. Any other error is a bug and propagates.
    """
    backoff = Backoff(0.5, 10.0)
    while True:
        woken.clear()  # before the pass: a wake-up that arrives during it brings another
        try:
            await one_pass()
            backoff.reset()
        except POSTGRES_OUTAGES as error:
            log.warning("%s cannot reach Postgres", what, extra={"error": repr(error)})
            raise_if_cancelled()
            await backoff.wait()
            continue
        raise_if_cancelled()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(woken.wait(), timeout=interval)


def raise_if_cancelled() -> None:
    """Honour a cancellation that a client swallowed (nats-py while it connects, asyncpg
    in some pool paths do): a retry loop that went on after it would never stop."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
