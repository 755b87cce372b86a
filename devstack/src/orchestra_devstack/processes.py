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
group (`processtrees`); `stop` and `kill` return only once all of them are
gone; and a `weakref.finalize` kills them all when the object is garbage
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

from orchestra_devstack import processtrees
from orchestra_devstack.probes import HealthCheck

POLL_INTERVAL = 0.02
"""Seconds between polls of a probe or of a process's exit: short, since start-up
of NATS and Postgres takes well under a second and tests wait on it."""

START_TIMEOUT = 300.0
"""Seconds a start may take at most, even while it makes progress: generous, since a
busy or slow machine (a laptop compiling, CI running other suites) starts a Python
service in tens of seconds where an idle one takes two; the bound only ends a start that
works without ever getting healthy (a crash loop inside the process, say)."""

STALL_TIMEOUT = 60.0
"""Seconds a start may go without progress (no new log output and no CPU time used by
its processes) before it counts as stuck: a starting service imports, connects and
logs, so one that does none of these for a minute waits for something that never comes."""

PROGRESS_INTERVAL = 1.0
"""Seconds between looks at a starting process's progress (its log size, its CPU time)."""

EXIT_TIMEOUT = 5.0
"""Seconds that killed processes get to disappear before `stop` or `kill` gives up:
SIGKILL cannot be refused, so only a process stuck in the kernel takes longer."""


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


def _tree_of(popen: subprocess.Popen[bytes]) -> processtrees.Snapshot:
    # Once reaped, the leader's pid may belong to someone else: no tree then.
    return processtrees.snapshot(popen.pid) if popen.returncode is None else {}


def _kill_tree(popen: subprocess.Popen[bytes]) -> processtrees.Snapshot:
    """SIGKILL the group of `popen` and every descendant, even those that left it.

    Snapshot first: once the leader dies its children are re-parented and can
    no longer be found. Returns the snapshot, to wait for it to be gone.
    """
    tree = _tree_of(popen)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(popen.pid, signal.SIGKILL)
    processtrees.kill_all(tree)
    return tree


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
    the group is killed. A start waits for health while the process makes progress,
    up to `start_timeout` seconds in all, or `stall_timeout` seconds without progress.
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
        start_timeout: float = START_TIMEOUT,
        stall_timeout: float = STALL_TIMEOUT,
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
        self.stall_timeout = stall_timeout
        self.stop_signal = stop_signal
        self.stop_grace = stop_grace
        self.user = user
        self._popen: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize[[subprocess.Popen[bytes]], ManagedProcess] | None = None
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
        self._finalizer = weakref.finalize(self, _kill_tree, popen)

    def progress(self) -> tuple[int, int]:
        """What grows while the process works: its log's size and its tree's CPU time."""
        try:
            logged = self.log_path.stat().st_size
        except FileNotFoundError:
            logged = 0
        tree = _tree_of(self._popen) if self._popen is not None else {}
        return logged, sum(processtrees.cpu_ticks(pid) for pid in tree)

    async def wait_healthy(self) -> None:
        """Poll the health probe until it passes or the process exits.

        A slow machine starts things slowly, so a start that makes progress (see
        `progress`) may take up to `start_timeout`; one that makes none for
        `stall_timeout` is stuck (time in which this process itself did not run, and so
        could not look, hardly counts). Either way the process is killed and the error says
        which, with the log tail.
        """
        started = last_look = time.monotonic()
        seen = self.progress()
        stalled = 0.0  # seconds without progress, as far as the looks could tell
        interval = min(PROGRESS_INTERVAL, self.stall_timeout / 4)
        while True:
            if not self.running:
                raise ProcessExitedEarlyError(
                    f"{self.name} exited with code {self.returncode} before it was healthy",
                    log_tail=self.log_tail(),
                )
            if self.health is None or await self.health():
                return
            now = time.monotonic()
            if now - last_look >= interval:
                # A look much later than planned means this process was not running, and
                # then the machine may have been paused or starved as a whole: the watched
                # process had no chance to progress either, so such a gap counts as two
                # looks' worth only. A real stall is seen over many timely looks.
                stalled += min(now - last_look, 2 * interval)
                last_look = now
                if (current := self.progress()) != seen:
                    seen, stalled = current, 0.0
            if stalled >= self.stall_timeout:
                tree = _tree_of(self._popen) if self._popen else {}
                waiting = "; ".join(processtrees.threads(tree)) or "gone"
                await self.kill()
                raise HealthCheckTimeoutError(
                    f"{self.name} is not healthy after {now - started:.0f} s and made no "
                    f"progress (no log output, no CPU time) for {self.stall_timeout:g} s: "
                    f"it looks stuck; its threads: {waiting}",
                    log_tail=self.log_tail(),
                )
            if now - started >= self.start_timeout:
                await self.kill()
                raise HealthCheckTimeoutError(
                    f"{self.name} was not healthy within {self.start_timeout:g} s, although "
                    "it kept running and working",
                    log_tail=self.log_tail(),
                )
            await asyncio.sleep(POLL_INTERVAL)

    async def stop(self) -> None:
        """Stop gracefully: `stop_signal` to the group, SIGKILL after the grace period.

        Returns once every process of the tree is gone: whatever the leader
        left behind is killed, so no stray child keeps a port or a
        shared-memory segment that the next start needs.
        """
        popen = self._popen
        if popen is None:
            return
        tree = _tree_of(popen)
        if popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(popen.pid, self.stop_signal)
            if not await self._wait_exit(self.stop_grace):
                tree.update(_kill_tree(popen))
                await self._wait_exit(None)
        await self._finish(tree)

    async def kill(self) -> None:
        """SIGKILL the group and all descendants at once: a crash, for fault tests."""
        popen = self._popen
        if popen is None:
            return
        tree = _kill_tree(popen)
        await self._wait_exit(None)
        await self._finish(tree)

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

    async def _finish(self, tree: processtrees.Snapshot) -> None:
        assert self._popen is not None
        # Group members forked after the snapshot, and descendants that left the group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._popen.pid, signal.SIGKILL)
        processtrees.kill_all(tree)
        left = await processtrees.wait_gone(tree, within=EXIT_TIMEOUT)
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if left:
            raise ProcessError(f"{self.name}: pids {left} survived SIGKILL for {EXIT_TIMEOUT} s")
