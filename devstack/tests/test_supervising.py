"""The supervisor: stop everything in reverse start order, find members by name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orchestra_devstack.probes import file_exists
from orchestra_devstack.processes import ManagedProcess
from orchestra_devstack.supervising import Supervisor

LiveMembers = Callable[[int], list[int]]


async def test_supervisor_stops_in_reverse_start_order(
    tmp_path: Path, live_group_members: LiveMembers
) -> None:
    order = tmp_path / "order"

    def member(name: str) -> ManagedProcess:
        ready = tmp_path / f"ready-{name}"
        script = (
            f"trap 'echo {name} >> {order}; exit 0' TERM; touch {ready}; "
            "while :; do sleep 0.05; done"
        )
        return ManagedProcess(
            name, ["sh", "-c", script], log_path=tmp_path / f"{name}.log", health=file_exists(ready)
        )

    async with Supervisor() as supervisor:
        first = await supervisor.start(member("first"))
        second = await supervisor.start(member("second"))
        assert supervisor.get("second") is second
        pids = [first.pid, second.pid]

    assert order.read_text().split() == ["second", "first"]
    assert supervisor.members == []
    assert all(pid is not None and live_group_members(pid) == [] for pid in pids)


class Failing:
    name = "failing"

    async def stop(self) -> None:
        raise RuntimeError("could not stop")


async def test_one_failing_stop_does_not_keep_the_others_running(
    tmp_path: Path, live_group_members: LiveMembers
) -> None:
    ready = tmp_path / "ready"
    supervisor = Supervisor()
    process = await supervisor.start(
        ManagedProcess(
            "sleeper",
            ["sh", "-c", f"touch {ready}; sleep 1000"],
            log_path=tmp_path / "sleeper.log",
            health=file_exists(ready),
        )
    )
    supervisor.track(Failing())
    with pytest.raises(RuntimeError, match="could not stop"):
        await supervisor.stop_all()
    assert process.pid is not None
    assert live_group_members(process.pid) == []
    with pytest.raises(KeyError):
        supervisor.get("sleeper")
