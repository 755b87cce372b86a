"""Ports for the servers a stack or a test starts on loopback, each handed out once.

A port the kernel picks for a bind to port 0 is free at that moment only. The next such
bind, in this process or another, may get the same port before the server it was meant
for has bound it: here, one batch of ten picks in 300 holds a repeat. One server then
fails to bind, and a health probe of its URL is answered by the other one, so a stack
looks started while its dashboard URL serves a stranger's pages (CI saw a sign-in proxy's
URL answered by the stand-in workshop of the same stack).

So ports come from below the kernel's ephemeral range, which binds to port 0 and outgoing
connections never use. They are handed out in order from a block of ports that this
process alone holds: a lock file per block, released by the kernel when the process ends,
so pytest's workers, a `make dev` and a benchmark never share a block. A port that some
other program listens on is skipped. A process that has used up every block it could claim
starts again on its own, by then long-served ports; where no block can be claimed at all,
the kernel picks, and never the same port twice for this process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import socket
import tempfile
import threading
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LINUX_EPHEMERAL_LOW = 32768
LOWEST = 10_000
"""Below this are the ports people choose by hand (8000, 8080, 5432, 4222, ...)."""
BLOCK_SIZE = 200
LOCKS = Path(tempfile.gettempdir()) / "orchestra-port-blocks"


def block_starts(ephemeral_low: int, *, lowest: int = LOWEST, size: int = BLOCK_SIZE) -> list[int]:
    """The first port of each whole block between ``lowest`` and the ephemeral range."""
    return list(range(lowest, ephemeral_low - size + 1, size))


def ephemeral_low() -> int:
    """The lowest port the kernel picks by itself (Linux's default where it cannot tell)."""
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return LINUX_EPHEMERAL_LOW


def bindable(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now (as servers bind: SO_REUSEADDR,
    so connections of a server just stopped, in TIME_WAIT, do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def kernel_pick(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class PortAllocator:
    """Hands out ports from the blocks this process holds (thread-safe; see the module)."""

    def __init__(
        self, *, starts: list[int] | None = None, size: int = BLOCK_SIZE, locks: Path = LOCKS
    ) -> None:
        self.starts = block_starts(ephemeral_low(), size=size) if starts is None else starts
        self.size = size
        self.locks = locks
        self._mutex = threading.Lock()
        self._pid = os.getpid()
        self._held: list[tuple[int, int]] = []  # (first port, lock file descriptor)
        self._next = 0
        self._end = 0
        self._cycled = 0  # which held block a process that has claimed all it can is on
        self._kernel_given: set[int] = set()

    @property
    def blocks(self) -> list[int]:
        """The first port of each block this process holds."""
        return [start for start, _ in self._held]

    def take(self, host: str) -> int:
        with self._mutex:
            if self._pid != os.getpid():
                # A forked child shares its parent's locks; its ports must be its own.
                self._pid, self._held, self._next, self._end = os.getpid(), [], 0, 0
            while True:
                if self._next >= self._end and not self._advance():
                    return self._from_kernel(host)
                port = self._next
                self._next += 1
                if bindable(host, port):
                    return port

    def _advance(self) -> bool:
        """Move on to a newly claimed block or, when none is left, to the next held one."""
        start = self._claim()
        if start is None:
            if not self._held:
                return False
            start = self._held[self._cycled % len(self._held)][0]
            self._cycled += 1
        self._next, self._end = start, start + self.size
        return True

    def _claim(self) -> int | None:
        mine = set(self.blocks)
        offset = random.randrange(len(self.starts)) if self.starts else 0
        for start in self.starts[offset:] + self.starts[:offset]:
            if start in mine:
                continue
            try:
                self.locks.mkdir(mode=0o1777, parents=True, exist_ok=True)
                fd = os.open(self.locks / f"{start}.lock", os.O_RDWR | os.O_CREAT, 0o666)
            except OSError:
                return None  # no place for locks: the kernel's picks, then
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)  # another process holds this block
                continue
            self._held.append((start, fd))
            return start
        return None

    def _from_kernel(self, host: str) -> int:
        while (port := kernel_pick(host)) in self._kernel_given:
            pass
        self._kernel_given.add(port)
        return port

    def close(self) -> None:
        """Give the blocks back (the process's end does the same)."""
        with self._mutex:
            for _, fd in self._held:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._held, self._next, self._end = [], 0, 0


PORTS = PortAllocator()
