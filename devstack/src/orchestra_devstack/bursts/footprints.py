"""Memory and CPU of each process of the stack, read from /proc (Linux only).

A service's footprint is its whole process tree (Postgres forks a backend per connection):
resident memory summed over the tree (``VmRSS``; and ``Pss``, which shares shared memory
out instead of counting it in every process), and CPU seconds (user + system, from
``stat``) summed likewise, so a burst's CPU cost per service is the difference of two
readings. Children that already exited are not counted (their time is in the parent's
``cutime`` only once reaped; the services do not fork workers, so this is Postgres's
short-lived backends at most).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from orchestra_devstack import processtrees
from orchestra_devstack.processes import ManagedProcess

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Footprint:
    rss_mib: float
    cpu_seconds: float
    pss_mib: float = 0.0
    """Proportional set size: shared pages divided among the processes sharing them, so a
    tree's sum does not count Postgres's shared buffers once per backend as RSS does."""


def _one(pid: int) -> Footprint:
    base = Path("/proc") / str(pid)
    rss_kib = 0
    try:
        for line in (base / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss_kib = int(line.split()[1])
        fields = (base / "stat").read_text().rpartition(")")[2].split()
    except (FileNotFoundError, ProcessLookupError):
        return Footprint(0.0, 0.0)
    pss_kib = 0
    try:
        for line in (base / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss_kib = int(line.split()[1])
    except (OSError, ProcessLookupError):
        pass  # another user's process, or gone: RSS alone
    # After the command's closing parenthesis: state is field 3, utime 14 and stime 15.
    ticks = int(fields[11]) + int(fields[12])
    return Footprint(rss_kib / 1024, ticks / CLOCK_TICKS, pss_kib / 1024)


def footprint(process: ManagedProcess) -> Footprint:
    if process.pid is None or not process.running:
        return Footprint(0.0, 0.0)
    pids = [process.pid, *processtrees.descendants(process.pid)]
    parts = [_one(pid) for pid in pids]
    return Footprint(
        sum(p.rss_mib for p in parts),
        sum(p.cpu_seconds for p in parts),
        sum(p.pss_mib for p in parts),
    )


def footprints(processes: Mapping[str, ManagedProcess]) -> dict[str, Footprint]:
    return {name: footprint(process) for name, process in processes.items()}
