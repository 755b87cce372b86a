"""Process trees read from Linux `/proc`: who descends from whom, who is still alive.

`processes` needs this to make "stopped" mean "gone": a process group is not
enough, because Postgres makes each of its children a group leader of its own
(`setsid`), so a signal to the postmaster's group never reaches its backends.
A process is identified by its pid *and* its start time, so that a pid the
kernel has handed to an unrelated process meanwhile is never signalled; and a
zombie counts as gone (killed children are re-parented to pid 1, which may reap
them late).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path
from typing import NamedTuple

PROC = Path("/proc")


class Entry(NamedTuple):
    """The fields of `/proc/PID/stat` that we use."""

    ppid: int
    state: str
    start_time: int  # clock ticks after boot: with the pid, a unique identity
    cpu_ticks: int  # CPU time used so far (its own and its reaped children's), in clock ticks


Snapshot = dict[int, int]
"""Pid to start time of each process of a tree at one moment."""


def _entry(stat: Path) -> Entry | None:
    try:
        # The command name (field 2) may contain spaces and ')': split after the last one.
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None  # exited while we looked
    return Entry(
        ppid=int(fields[1]),
        state=fields[0],
        start_time=int(fields[19]),
        cpu_ticks=sum(int(ticks) for ticks in fields[11:15]),  # utime, stime, cutime, cstime
    )


def _table() -> dict[int, Entry]:
    table = {}
    for stat in PROC.glob("[0-9]*/stat"):
        entry = _entry(stat)
        if entry is not None:
            table[int(stat.parent.name)] = entry
    return table


def descendants(pid: int) -> list[int]:
    """Pids of the children of `pid`, their children and so on."""
    return [child for child in snapshot(pid) if child != pid]


def snapshot(pid: int) -> Snapshot:
    """`pid` and its descendants, with their start times (empty if `pid` is gone)."""
    table = _table()
    children: dict[int, list[int]] = {}
    for child, entry in table.items():
        children.setdefault(entry.ppid, []).append(child)
    if pid not in table:
        return {}
    found: Snapshot = {}
    pending = [pid]
    while pending:
        current = pending.pop()
        found[current] = table[current].start_time
        pending.extend(children.get(current, []))
    return found


def cpu_ticks(pid: int) -> int:
    """The CPU time `pid` has used so far, in clock ticks (0 once it is gone)."""
    entry = _entry(PROC / str(pid) / "stat")
    return 0 if entry is None else entry.cpu_ticks


def survivors(tree: Snapshot) -> list[int]:
    """Those processes of `tree` that still run (the same processes, not zombies)."""
    alive = []
    for pid, start_time in tree.items():
        entry = _entry(PROC / str(pid) / "stat")
        if entry is not None and entry.start_time == start_time and entry.state not in "ZX":
            alive.append(pid)
    return alive


def threads(tree: Snapshot) -> list[str]:
    """One line per thread of `tree`: pid/tid, name, state and the kernel call it waits in.

    What a stuck start is doing: all threads asleep in a futex or a poll means a wait
    that never ends; one in D state, a disk or a kernel lock.
    """
    lines = []
    for pid in survivors(tree):
        for task in sorted((PROC / str(pid) / "task").glob("[0-9]*")):
            with contextlib.suppress(OSError, IndexError):
                name, rest = task.joinpath("stat").read_text().rsplit(")", 1)
                wchan = task.joinpath("wchan").read_text().strip() or "-"
                state = rest.split()[0]
                lines.append(f"{pid}/{task.name} {name.split('(', 1)[1]}: {state} in {wchan}")
    return lines


def kill_all(tree: Snapshot) -> None:
    """SIGKILL every process of `tree` still running."""
    for pid in survivors(tree):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


async def wait_gone(tree: Snapshot, *, within: float, poll: float = 0.02) -> list[int]:
    """Wait up to `within` seconds for `tree` to be gone; return who still runs."""
    deadline = time.monotonic() + within
    while True:
        left = survivors(tree)
        if not left or time.monotonic() >= deadline:
            return left
        await asyncio.sleep(poll)
