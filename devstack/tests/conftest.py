"""Fixtures for the devstack harness tests: the plugin under test, and a liveness check."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

pytest_plugins = ["orchestra_devstack.pytest_plugin"]


def _live_processes() -> dict[int, int]:
    """Pid to process group of every live process.

    Killed children are re-parented to pid 1, which may reap them late: a
    zombie is dead for our purposes, so read the state rather than kill(pid, 0).
    """
    processes = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _ppid, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            processes[int(stat.parent.name)] = int(pgrp)
    return processes


def _live_group_members(pgid: int) -> list[int]:
    return sorted(pid for pid, group in _live_processes().items() if group == pgid)


def _still_alive(pids: Iterable[int]) -> list[int]:
    live = _live_processes()
    return sorted(pid for pid in pids if pid in live)


@pytest.fixture
def live_group_members() -> Callable[[int], list[int]]:
    """Pids still alive (not zombies) in process group `pgid`."""
    return _live_group_members


@pytest.fixture
def still_alive() -> Callable[[Iterable[int]], list[int]]:
    """Those of `pids` that are still alive (not zombies)."""
    return _still_alive
