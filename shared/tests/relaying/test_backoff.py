"""The one backoff: growing, capped, jittered delays, and retries that stop when cancelled."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from orchestra_shared.retrying import Backoff, pass_forever, until_done


def test_delays_double_up_to_the_cap_and_stay_in_the_upper_half_of_each_step() -> None:
    lowest = Backoff(0.1, 1.0, draw=lambda: 0.0)
    highest = Backoff(0.1, 1.0, draw=lambda: 1.0)
    assert [round(lowest.next_delay(), 3) for _ in range(6)] == [0.05, 0.1, 0.2, 0.4, 0.5, 0.5]
    assert [round(highest.next_delay(), 3) for _ in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]


def test_reset_starts_again_from_the_first_step() -> None:
    backoff = Backoff(0.1, 1.0, draw=lambda: 1.0)
    for _ in range(5):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() == pytest.approx(0.1)


def test_nonsense_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="initial"):
        Backoff(0.0, 1.0)
    with pytest.raises(ValueError, match="initial"):
        Backoff(2.0, 1.0)


async def test_until_done_retries_the_listed_errors_and_returns_the_result() -> None:
    attempts: list[int] = []

    async def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionRefusedError
        return "up"

    got = await until_done(
        flaky,
        retry_on=(OSError,),
        backoff=Backoff(0.001, 0.002),
        what="the peer",
        log=logging.getLogger(__name__),
    )
    assert (got, len(attempts)) == ("up", 3)


async def test_a_cancellation_the_client_swallowed_still_stops_the_retries() -> None:
    """As nats-py does while it connects: it catches the cancellation and fails instead."""
    started = asyncio.Event()

    async def swallowing() -> None:
        started.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(3600)
        raise ConnectionRefusedError

    task = asyncio.create_task(
        until_done(
            swallowing,
            retry_on=(OSError,),
            backoff=Backoff(0.001, 0.002),
            what="the peer",
            log=logging.getLogger(__name__),
        )
    )
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=60)


async def test_a_pass_loop_passes_again_when_woken_and_waits_out_a_postgres_outage() -> None:
    woken = asyncio.Event()
    passes: list[int] = []
    first, second = asyncio.Event(), asyncio.Event()

    async def one_pass() -> None:
        passes.append(1)
        first.set()
        if len(passes) == 2:
            raise ConnectionRefusedError("Postgres is restarting")  # one of the outages
        if len(passes) == 3:
            second.set()

    # An hour between passes: only the wake-up and the outage's backoff bring the next ones.
    loop = asyncio.create_task(
        pass_forever(one_pass, woken=woken, interval=3600, what="test", log=logging.getLogger("t"))
    )
    try:
        await asyncio.wait_for(first.wait(), timeout=60)
        woken.set()
        await asyncio.wait_for(second.wait(), timeout=60)
        assert len(passes) == 3
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop


async def test_a_pass_loop_lets_a_bug_propagate() -> None:
    async def broken() -> None:
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        await asyncio.wait_for(
            pass_forever(
                broken,
                woken=asyncio.Event(),
                interval=3600,
                what="test",
                log=logging.getLogger("t"),
            ),
            timeout=60,
        )
