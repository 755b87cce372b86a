"""Lanes: one learner's commands in order, different learners' side by side, bounded."""

import asyncio
import json

import pytest

from orchestra_operator.dispatching import Lanes, lane_of


def test_a_command_s_lane_is_its_learner() -> None:
    assert lane_of(json.dumps({"type": "launch", "owner": "ada@example.org"}).encode()) == (
        "ada@example.org"
    )
    assert lane_of(b"not json") == ""
    assert lane_of(b"[1, 2]") == ""
    assert lane_of(json.dumps({"owner": 7}).encode()) == ""


async def test_one_learner_s_commands_run_in_order_even_when_the_first_is_slow() -> None:
    lanes = Lanes(4)
    done: list[str] = []
    first_may_end = asyncio.Event()

    async def first() -> None:
        await first_may_end.wait()
        done.append("launch")

    async def second() -> None:
        done.append("terminate")

    await lanes.submit("ada", first)
    await lanes.submit("ada", second)
    await asyncio.sleep(0)
    assert done == []  # the terminate waits for the launch, however long it takes
    first_may_end.set()
    await lanes.close(grace=5)
    assert done == ["launch", "terminate"]


async def test_another_learner_s_command_does_not_wait_for_a_slow_one() -> None:
    lanes = Lanes(4)
    slow_may_end = asyncio.Event()
    other_done = asyncio.Event()

    async def slow() -> None:
        await slow_may_end.wait()

    async def other() -> None:
        other_done.set()

    await lanes.submit("ada", slow)
    await lanes.submit("grace", other)
    await asyncio.wait_for(other_done.wait(), timeout=5)
    slow_may_end.set()
    await lanes.close(grace=5)


async def test_a_failing_command_does_not_stop_its_lane() -> None:
    lanes = Lanes(2)
    done: list[str] = []

    async def broken() -> None:
        raise RuntimeError("a bug")

    async def next_one() -> None:
        done.append("next")

    await lanes.submit("ada", broken)
    await lanes.submit("ada", next_one)
    await lanes.close(grace=5)
    assert done == ["next"]


async def test_submit_waits_for_a_free_place() -> None:
    lanes = Lanes(1)
    may_end = asyncio.Event()

    async def holds() -> None:
        await may_end.wait()

    async def quick() -> None:
        return None

    await lanes.submit("ada", holds)
    waiting = asyncio.create_task(lanes.submit("grace", quick))
    await asyncio.sleep(0.01)
    assert not waiting.done()  # the consumer pulls no more than it can work on
    may_end.set()
    assert await asyncio.wait_for(waiting, timeout=5)
    await lanes.close(grace=5)


async def test_closing_cancels_what_outlives_the_grace_and_refuses_more() -> None:
    lanes = Lanes(2)
    cancelled = asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def never() -> None:
        pytest.fail("work submitted after close must not start")

    await lanes.submit("ada", forever)
    await asyncio.sleep(0)
    await lanes.close(grace=0.01)
    assert cancelled.is_set()
    assert not await lanes.submit("grace", never)
    assert lanes.busy == 0
