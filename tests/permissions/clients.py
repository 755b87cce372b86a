"""Clients of the permission tests: each service's own settings, and what the server refused.

Every client connects through ``orchestra_shared.settings.nats_options``, as the
services do, so the tests exercise the same user, password and inbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from pydantic import SecretStr

from orchestra_devstack.natsservers import NatsServer
from orchestra_shared import subjects
from orchestra_shared.settings import NatsSettings, nats_options

Settings = TypeVar("Settings", bound=NatsSettings)


def settings_of(
    kind: type[Settings],
    server: NatsServer,
    user: str,
    *,
    password: str | None = None,
    **fields: Any,
) -> Settings:
    """A service's settings pointed at ``server`` as ``user`` (its own password by default)."""
    user, own = server.credentials(user)
    return kind(
        nats_url=server.address, nats_user=user, nats_password=SecretStr(password or own), **fields
    )


@dataclass
class Connection:
    """A connected client and the permission errors the server sent it."""

    client: Client
    errors: list[str] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def js(self) -> JetStreamContext:
        return self.client.jetstream()

    async def refused(self, what: str, subject: str, *, timeout: float = 5.0) -> bool:
        """Whether the server refuses ``what`` ("Publish" or "Subscription") to ``subject``."""
        wanted = f'permissions violation for {what} to "{subject}"'.lower()
        deadline = asyncio.get_running_loop().time() + timeout
        while not any(wanted in error.lower() for error in self.errors):
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return False
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), timeout=left)
            except TimeoutError:
                return False
        return True


async def connect(server: NatsServer, user: str) -> Connection:
    """``user`` connected with its own credentials, collecting permission errors."""
    connection: Connection

    async def on_error(error: Exception) -> None:
        connection.errors.append(str(error))
        connection.arrived.set()

    client = await nats.connect(
        **nats_options(settings_of(NatsSettings, server, user)),
        error_cb=on_error,
        allow_reconnect=False,
    )
    connection = Connection(client=client)
    return connection


T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]], *, until: Callable[[T], bool], timeout: float = 60.0
) -> T:
    """Poll ``probe`` until ``until(result)`` holds; fail with the last result."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        last = await probe()
        if until(last):
            return last
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met in {timeout} s; last: {last!r}")
        await asyncio.sleep(0.05)


async def stored_on(js: JetStreamContext, subject: str) -> bytes | None:
    """The last message the platform stream holds on ``subject`` (None: none)."""
    try:
        message = await js.get_last_msg(subjects.STREAM, subject)
    except NotFoundError:
        return None
    return message.data
