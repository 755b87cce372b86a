"""Start and stop a set of processes and servers as one: the local stack.

The launcher (`make dev`) and end-to-end fixtures start NATS, Postgres, the
emulated cluster and the services through one `Supervisor`; Ctrl-C or the end
of a test stops them all, last started first, so services go before the
infrastructure they depend on. `get` finds one by name to kill or restart it.
"""

from __future__ import annotations

from typing import Protocol

from orchestra_devstack.processes import ManagedProcess


class Stoppable(Protocol):
    """Anything the supervisor can stop: a process or a server built on one."""

    name: str

    async def stop(self) -> None: ...


class Supervisor:
    """Keeps what was started, in order, and stops it all in reverse order."""

    def __init__(self) -> None:
        self._members: list[Stoppable] = []

    async def start(self, process: ManagedProcess) -> ManagedProcess:
        """Start `process` and keep it (kept even when start-up fails, to stop it later)."""
        self._members.append(process)
        await process.start()
        return process

    def track(self, member: Stoppable) -> None:
        """Keep something started elsewhere (e.g. by `start_nats`) for `stop_all`."""
        self._members.append(member)

    def get(self, name: str) -> Stoppable:
        """The member called `name`, to restart or kill it on demand."""
        for member in self._members:
            if member.name == name:
                return member
        raise KeyError(name)

    @property
    def members(self) -> list[Stoppable]:
        return list(self._members)

    async def stop_all(self) -> None:
        """Stop every member, last started first; raise the first failure at the end."""
        errors: list[BaseException] = []
        while self._members:
            member = self._members.pop()
            try:
                await member.stop()
            except Exception as error:  # keep stopping the rest
                errors.append(error)
        if errors:
            raise errors[0]

    async def __aenter__(self) -> Supervisor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop_all()
