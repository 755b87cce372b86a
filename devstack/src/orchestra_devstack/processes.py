"""Supervision of the local processes behind `make dev` and the test fixtures.

`ManagedProcess` starts one command in its own process group with its output in
a log file, waits for a health probe, and stops, kills or restarts it on demand
(fault tests need "the operator was killed mid-launch" and "NATS went away").
`supervising.Supervisor` keeps what the launcher started and stops it in
reverse order.

Processes are plain `subprocess.Popen` children polled with `asyncio.sleep`,
not asyncio subprocesses: those are bound to the event loop that created them,
and pytest runs session fixtures and tests on different loops. Every method is
therefore usable from any loop, and `stop` works even after the loop that
started the process has closed.

Nothing may outlive the test run: each process leads its own group, so stopping
it signals its children too; a hard kill also reaches descendants that left the
group; and a `weakref.finalize` kills them all when the object is garbage
collected or the interpreter exits without a `stop`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path

from orchestra_devstack.probes import HealthCheck

POLL_INTERVAL = 0.02
"""Seconds between polls of a probe or of a process's exit: short, since start-up
of NATS and Postgres takes well under a second and tests wait on it."""


class ProcessError(Exception):
    """A supervised process failed to start or to stop; carries its log tail."""

    def __init__(self, message: str, *, log_tail: str = "") -> None:
        self.log_tail = log_tail
        text = f"{message}\n--- log tail ---\n{log_tail}" if log_tail else message
        super().__init__(text)


class HealthCheckTimeoutError(ProcessError):
    """The process kept running but its health probe never passed in time."""


class ProcessExitedEarlyError(ProcessError):
    """The process exited before its health probe passed."""


def descendants(pid: int) -> list[int]:
    """Pids of the children of `pid`, their children and so on (Linux `/proc`).

    Needed because the process group is not enough: Postgres makes every
    child a group leader of its own (`setsid`), so a signal to the
    postmaster's group never reaches its backends.
    """
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # exited while we looked
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: list[int] = []
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def _kill_tree(pid: int) -> None:
    # Hard kill and safety net: the group of `pid` and every descendant, even
    # those that left the group. Snapshot first: once `pid` dies, its children
    # are re-parented and can no longer be found. Gone already is fine.
    strays = descendants(pid)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    for stray in strays:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(stray, signal.SIGKILL)


def read_log_tail(path: Path, *, lines: int = 40, max_bytes: int = 16384) -> str:
    """The last `lines` lines of a log file ('' if it does not exist yet)."""
    try:
        with path.open("rb") as log:
            log.seek(0, os.SEEK_END)
            size = log.tell()
            log.seek(max(0, size - max_bytes))
            data = log.read()
    except FileNotFoundError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


class ManagedProcess:
    """One command run under supervision; restartable with the same arguments.

    `env` is laid over the inherited environment. `user` (only meaningful when
    running as root) runs the command as that user, for programs such as
    Postgres that refuse to run as root. `stop_signal` is what a graceful stop
    sends to the group; `stop_grace` is how long (seconds) it may take before
    the group is killed.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        health: HealthCheck | None = None,
        start_timeout: float = 10.0,
        stop_signal: signal.Signals = signal.SIGTERM,
        stop_grace: float = 5.0,
        user: str | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env or {})
        self.cwd = cwd
        self.health = health
        self.start_timeout = start_timeout
        self.stop_signal = stop_signal
        self.stop_grace = stop_grace
        self.user = user
        self._popen: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize[[int], ManagedProcess] | None = None
        self.starts = 0

    @property
    def pid(self) -> int | None:
        """Pid of the current (or last) process, which also names its group."""
        return self._popen.pid if self._popen else None

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._popen.poll() if self._popen else None

    def log_tail(self, lines: int = 40) -> str:
        return read_log_tail(self.log_path, lines=lines)

    async def start(self) -> None:
        """Start the process and wait until its health probe passes.

        Raises `ProcessExitedEarlyError` or `HealthCheckTimeoutError` (after killing the
        process) with the log tail in the message.
        """
        if self.running:
            raise ProcessError(f"{self.name} is already running (pid {self.pid})")
        self._spawn()
        await self.wait_healthy()

    def _spawn(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- {self.name}: start #{self.starts}: {self.argv}\n".encode())
            log.flush()
            popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.cwd,
                env={**os.environ, **self.env},
                start_new_session=True,  # own process group: signals reach children
                user=self.user,
                group=self.user,
                extra_groups=[] if self.user else None,
            )
        self._popen = popen
        self._finalizer = weakref.finalize(self, _kill_tree, popen.pid)

    async def wait_healthy(self) -> None:
        """Poll the health probe until it passes, the process exits, or time runs out."""
        deadline = time.monotonic() + self.start_timeout
        while True:
            if not self.running:
                raise ProcessExitedEarlyError(
                    f"{self.name} exited with code {self.returncode} before it was healthy",
                    log_tail=self.log_tail(),
                )
            if self.health is None or await self.health():
                return
            if time.monotonic() >= deadline:
                await self.kill()
                raise HealthCheckTimeoutError(
                    f"{self.name} was not healthy within {self.start_timeout} s",
                    log_tail=self.log_tail(),
                )
            await asyncio.sleep(POLL_INTERVAL)

    async def stop(self) -> None:
        """Stop gracefully: `stop_signal` to the group, SIGKILL after the grace period.

        Whatever is left in the group once the leader has exited is killed too,
        so no stray child keeps a port or a shared-memory segment.
        """
        popen = self._popen
        if popen is None:
            return
        if popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(popen.pid, self.stop_signal)
            if not await self._wait_exit(self.stop_grace):
                _kill_tree(popen.pid)
                await self._wait_exit(None)
        self._reap_group()

    async def kill(self) -> None:
        """Kill the whole group with SIGKILL at once: a crash, for fault tests."""
        popen = self._popen
        if popen is None:
            return
        _kill_tree(popen.pid)
        await self._wait_exit(None)
        self._reap_group()

    async def restart(self) -> None:
        """Stop (if running) and start again with the same command."""
        await self.stop()
        await self.start()

    async def _wait_exit(self, grace: float | None) -> bool:
        assert self._popen is not None
        deadline = None if grace is None else time.monotonic() + grace
        while self._popen.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                return False
            await asyncio.sleep(POLL_INTERVAL)
        return True

    def _reap_group(self) -> None:
        assert self._popen is not None
        # Whatever the leader left behind in its group (its other children are
        # re-parented by now and out of reach; well-behaved servers reap them).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._popen.pid, signal.SIGKILL)
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
