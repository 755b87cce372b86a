"""What every infrastructure server of the harness offers: one supervised process.

``NatsServer`` and ``PostgresServer`` add their addresses to this; the lifecycle
(start again, stop, kill as in a crash, restart, close and remove the temporary
directory the starter made) is the same for both, and for fault tests.
"""

from __future__ import annotations

import shutil
import weakref
from pathlib import Path
from typing import Self

from orchestra_devstack.processes import ManagedProcess


class SupervisedServer:
    def __init__(self, process: ManagedProcess, *, owned_dir: Path | None) -> None:
        self.process = process
        self.name = process.name
        # Removes the temporary directory on `close`, or at garbage collection or
        # interpreter exit if nobody closed us (after the process is killed:
        # finalizers run newest first, and the process's is newer).
        self._remove_owned_dir = (
            weakref.finalize(self, shutil.rmtree, owned_dir, ignore_errors=True)
            if owned_dir is not None
            else None
        )

    @property
    def pid(self) -> int | None:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process.running

    def log_tail(self, lines: int = 40) -> str:
        return self.process.log_tail(lines)

    async def start(self) -> None:
        """Start again after `stop` or `kill`, on the same ports and data."""
        await self.process.start()

    async def stop(self) -> None:
        """Graceful shutdown; the data stays."""
        await self.process.stop()

    async def kill(self) -> None:
        """SIGKILL to the whole process tree: a crash."""
        await self.process.kill()

    async def restart(self) -> None:
        await self.process.restart()

    async def close(self) -> None:
        """Stop and remove the temporary directory if the starter created it."""
        await self.stop()
        if self._remove_owned_dir is not None:
            self._remove_owned_dir()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
