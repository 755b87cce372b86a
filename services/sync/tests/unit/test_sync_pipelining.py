"""The recording pipeline with fake recordings: concurrency, commit order, failures block."""

from __future__ import annotations

import asyncio

import pytest

from orchestra_sync.errors import Unavailable
from orchestra_sync.pipelining import Pipeline, Turn, Work

pytestmark = pytest.mark.timeout(10)


class Recordings:
    """Fake recordings that each wait for their gate, then (if they write) for their turn."""

    def __init__(self) -> None:
        self.gates: dict[str, asyncio.Event] = {}
        self.started: list[str] = []
        self.committed: list[str] = []
        self.running = 0
        self.most_running = 0

    def work(self, label: str, *, writes: bool = True, fails: bool = False) -> Work:
        gate = self.gates.setdefault(label, asyncio.Event())

        async def record(turn: Turn) -> None:
            self.started.append(label)
            self.running += 1
            self.most_running = max(self.most_running, self.running)
            try:
                await gate.wait()
                if fails:
                    raise Unavailable("postgres went away")
                if writes:
                    await turn()
                    self.committed.append(label)
            finally:
                self.running -= 1

        return record

    def open(self, *labels: str) -> None:
        for label in labels:
            self.gates[label].set()


async def settle_soon() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_commits_follow_the_watch_whatever_order_the_work_ends_in() -> None:
    pipeline, fake = Pipeline(4), Recordings()
    for name, label in [("a", "1"), ("b", "2"), ("c", "3")]:
        await pipeline.submit(name, label, fake.work(label))
    fake.open("3", "2")
    await settle_soon()
    assert fake.committed == []  # "3" and "2" are done but wait for "1"
    fake.open("1")
    settled = await pipeline.settle()
    assert fake.committed == ["1", "2", "3"]
    assert (settled.version, settled.failure) == ("3", None)


async def test_different_workshops_run_at_once_up_to_the_bound() -> None:
    pipeline, fake = Pipeline(3), Recordings()
    for index in range(6):
        fake.gates[str(index)] = asyncio.Event()
    submitting = asyncio.create_task(_submit_all(pipeline, fake, 6))
    await settle_soon()
    assert fake.started == ["0", "1", "2"]  # the fourth waits for a free slot
    assert not submitting.done()
    fake.open(*fake.gates)
    await submitting
    await pipeline.settle()
    assert fake.most_running == 3
    assert fake.committed == [str(i) for i in range(6)]


async def _submit_all(pipeline: Pipeline, fake: Recordings, count: int) -> None:
    for index in range(count):
        await pipeline.submit(f"ws-{index}", str(index), fake.work(str(index)))


async def test_one_workshop_is_recorded_strictly_in_watch_order() -> None:
    pipeline, fake = Pipeline(8), Recordings()
    await pipeline.submit("a", "1", fake.work("1"))
    await pipeline.submit("a", "2", fake.work("2"))
    await pipeline.submit("b", "3", fake.work("3"))
    await settle_soon()
    assert fake.started == ["1", "3"]  # "2" waits for "1", not for a slot
    fake.open("2", "3")
    await settle_soon()
    assert fake.started == ["1", "3"]
    fake.open("1")
    await pipeline.settle()
    assert fake.started == ["1", "3", "2"]
    assert fake.committed == ["1", "2", "3"]


async def test_what_changes_nothing_does_not_wait_but_the_resume_point_does() -> None:
    pipeline, fake = Pipeline(8), Recordings()
    await pipeline.submit("a", "1", fake.work("1"))
    await pipeline.submit("b", "2", fake.work("2", writes=False))
    await pipeline.passed("3")  # a bookmark
    fake.open("2")
    await settle_soon()
    assert fake.running == 1  # "2" ended without its turn
    fake.open("1")
    assert (await pipeline.settle()).version == "3"


async def test_a_failure_holds_the_resume_point_below_it_and_stops_the_rest() -> None:
    pipeline, fake = Pipeline(8), Recordings()
    await pipeline.submit("a", "1", fake.work("1"))
    await pipeline.submit("b", "2", fake.work("2", fails=True))
    await pipeline.submit("c", "3", fake.work("3"))
    await pipeline.submit("b", "4", fake.work("4"))
    fake.open("1", "2")
    await settle_soon()
    with pytest.raises(Unavailable):
        await pipeline.submit("d", "5", fake.work("5"))
    fake.open("3", "4")
    settled = await pipeline.settle()
    assert isinstance(settled.failure, Unavailable)
    assert settled.version == "1"  # the watch resumes after "1" and "2" is retried
    assert fake.committed == ["1"]
    assert "4" not in fake.started  # never applied ahead of the failed "2"


async def test_a_failure_before_anything_finished_leaves_no_resume_point() -> None:
    pipeline, fake = Pipeline(8), Recordings()
    await pipeline.submit("a", "1", fake.work("1", fails=True))
    fake.open("1")
    settled = await pipeline.settle()
    assert settled.version is None
    assert isinstance(settled.failure, Unavailable)


async def test_settling_an_idle_pipeline_changes_nothing() -> None:
    settled = await Pipeline(2).settle()
    assert (settled.version, settled.failure) == (None, None)
