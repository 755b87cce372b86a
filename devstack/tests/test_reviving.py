"""The launcher brings a dead service back, with its log tail shown; one that keeps dying stops it."""

from __future__ import annotations

import sys
from pathlib import Path

from orchestra_devstack.processes import ManagedProcess
from orchestra_devstack.reviving import Reviver


async def test_a_dead_service_is_started_again_and_its_log_shown(tmp_path: Path) -> None:
    process = ManagedProcess(
        "expiry",
        [sys.executable, "-c", "import time; print('about to work', flush=True); time.sleep(60)"],
        log_path=tmp_path / "expiry.log",
    )
    await process.start()
    try:
        await process.kill()  # it dies, as a service with a bug would
        said: list[str] = []
        assert await Reviver().revive(process, report=said.append)
        assert process.running
        assert process.starts == 2
        assert "expiry exited with code" in said[0]
        assert "about to work" in said[0]  # the log tail, so the developer sees why
    finally:
        await process.stop()


async def test_a_service_that_keeps_dying_is_given_up_on(tmp_path: Path) -> None:
    clock = [0.0]
    reviver = Reviver(max_restarts=2, window=60, now=lambda: clock[0])
    process = ManagedProcess(
        "sync", [sys.executable, "-c", "raise SystemExit(3)"], log_path=tmp_path / "sync.log"
    )
    said: list[str] = []
    outcomes = []
    for _ in range(3):
        await process.stop()  # it dies on its own at once; this waits until it has
        outcomes.append(await reviver.revive(process, report=said.append))
        clock[0] += 1
    assert outcomes[-1] is False
    assert "died 2 times within 60 s" in said[-1]
    clock[0] += 120  # long after: it may be tried again
    assert reviver.may_restart("sync")
