"""The learners of a burst: each opens their live stream, launches once, and waits for Ready.

A learner does what the dashboard does: it opens ``/api/v1/events`` (the api's SSE stream)
first, waits for its ``hello`` (so nothing it is told about can come before it listens),
then POSTs the launch with an ``Idempotency-Key`` of its own. The dev stack has no load
balancer in front of its two api replicas, so a learner is the client of two addresses:
it starts on one (learners alternate) and, when that one fails (connection refused or
reset, a 5xx, a timeout), it retries on the other with the same key, which the api answers
with the instance launched first. The stream reconnects the same way with
``Last-Event-ID``, so a replica killed mid-stream loses the learner nothing; when the api
answers that it cannot replay what was missed (a ``resync`` event), the learner re-reads
its instance, as the dashboard does, and that counts as seeing it.

Times are wall-clock (``time.time``), comparable with Postgres's ``now()`` on the same
machine. Every Ready the stream shows is counted: more than one for an instance is a
duplicate the dashboard would show.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

RETRY_PAUSE = 0.2
"""Seconds between a failed attempt and the next, on the other replica."""


@dataclass
class Launch:
    """One learner's launch, as the learner saw it."""

    email: str
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    sent_at: float | None = None
    answered_at: float | None = None
    status: int | None = None
    name: str | None = None
    attempts: int = 0
    failures: list[str] = field(default_factory=list)
    ready_seen_at: float | None = None
    stream_events: Counter[tuple[str, str]] = field(default_factory=Counter)
    stream_reconnects: int = 0
    resyncs: list[str] = field(default_factory=list)
    """Why the api could not replay what the stream missed (``resync`` events)."""
    stream_log: list[str] = field(default_factory=list, repr=False)
    """Each connection and event of the stream (address, kind, id), to explain a miss."""
    ready_reread: bool = False
    """Ready was learned by re-reading the instance after a ``resync``, as the dashboard does."""

    @property
    def accepted(self) -> bool:
        return self.name is not None

    @property
    def post_seconds(self) -> float | None:
        if self.sent_at is None or self.answered_at is None:
            return None
        return self.answered_at - self.sent_at


@dataclass
class InFlight:
    """How many requests each api address is serving right now (for a kill mid-request)."""

    by_address: Counter[str] = field(default_factory=Counter)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def enter(self, address: str) -> None:
        self.by_address[address] += 1
        self.changed.set()

    def leave(self, address: str) -> None:
        self.by_address[address] -= 1

    async def wait_busy(self, address: str) -> None:
        while self.by_address[address] <= 0:
            self.changed.clear()
            await self.changed.wait()


class Learner:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        addresses: list[str],
        launch: Launch,
        *,
        first: int,
        body: dict[str, object],
        give_up_after: float,
        in_flight: InFlight,
    ) -> None:
        self.session = session
        self.addresses = addresses
        self.launch = launch
        self.first = first
        self.body = body
        self.give_up_after = give_up_after
        self.in_flight = in_flight
        self.listening = asyncio.Event()
        self.last_id: str | None = None
        self.headers = {"X-Auth-Request-Email": launch.email}

    def _address(self, attempt: int) -> str:
        return self.addresses[(self.first + attempt) % len(self.addresses)]

    async def post(self) -> None:
        """POST the launch, failing over between replicas until it is answered or given up."""
        launch = self.launch
        launch.sent_at = time.time()
        give_up = time.monotonic() + self.give_up_after
        headers = {**self.headers, "Idempotency-Key": launch.key}
        while time.monotonic() < give_up:
            address = self._address(launch.attempts)
            launch.attempts += 1
            self.in_flight.enter(address)
            try:
                async with self.session.post(
                    f"{address}/api/v1/instances",
                    json=self.body,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=30),
                ) as answer:
                    text = await answer.text()
                    if answer.status in (200, 202):
                        launch.answered_at = time.time()
                        launch.status = answer.status
                        name = str(json.loads(text)["name"])
                        launch.name = name
                        return
                    launch.failures.append(f"{address}: {answer.status} {text[:200]}")
                    if answer.status < 500:
                        launch.status = answer.status
                        return  # refused: retrying would be refused again
            except (aiohttp.ClientError, TimeoutError) as error:
                launch.failures.append(f"{address}: {error!r}"[:300])
            finally:
                self.in_flight.leave(address)
            await asyncio.sleep(RETRY_PAUSE)

    async def listen(self, stop: asyncio.Event) -> None:
        """Follow the learner's stream until ``stop``, reconnecting with Last-Event-ID."""
        attempt = 0
        while not stop.is_set():
            address = self._address(attempt)
            headers = dict(self.headers)
            if self.last_id is not None:
                headers["Last-Event-ID"] = self.last_id
            try:
                async with self.session.get(
                    f"{address}/api/v1/events",
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
                ) as answer:
                    self.launch.stream_log.append(
                        f"{time.time():.2f} {address} {answer.status} after {self.last_id}"
                    )
                    if answer.status != 200:
                        raise aiohttp.ClientResponseError(
                            answer.request_info, (), status=answer.status
                        )
                    await self._read(answer, stop, address)
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                self.launch.stream_log.append(f"{time.time():.2f} {address} {error!r}"[:200])
            if stop.is_set():
                return
            attempt += 1
            self.launch.stream_reconnects += 1
            await asyncio.sleep(RETRY_PAUSE)

    async def _read(
        self,
        answer: aiohttp.ClientResponse,
        stop: asyncio.Event,
        address: str,
    ) -> None:
        """Read events until the stream ends or ``stop``; ``last_id`` follows every id, so a
        connection that breaks mid-read still resumes where it was."""
        event: dict[str, str] = {}
        reading = asyncio.ensure_future(answer.content.readline())
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while True:
                await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if stopping.done():
                    return
                raw = reading.result()
                if not raw:
                    return  # the server ended the stream: reconnect
                reading = asyncio.ensure_future(answer.content.readline())
                line = raw.decode().rstrip("\n")
                if line:
                    key, _, value = line.partition(":")
                    event[key] = value.removeprefix(" ")
                    continue
                if "id" in event:
                    self.last_id = event["id"]
                self.launch.stream_log.append(
                    f"{time.time():.2f} {event.get('event')} {event.get('id')} {event.get('data', '')[:60]}"
                )
                self._saw(event)
                if event.get("event") == "resync":
                    await self._reread(address)
                event = {}
        finally:
            reading.cancel()
            stopping.cancel()

    async def _reread(self, address: str) -> None:
        """What the dashboard does on ``resync``: read the instance again."""
        name = self.launch.name
        if name is None:
            return  # not answered yet: its events are still to come, live
        async with self.session.get(
            f"{address}/api/v1/instances/{name}", headers=self.headers
        ) as answer:
            if answer.status != 200:
                return
            body: dict[str, Any] = await answer.json()
        if body.get("ready_at") and self.launch.ready_seen_at is None:
            self.launch.ready_seen_at = time.time()
            self.launch.ready_reread = True

    def _saw(self, event: dict[str, str]) -> None:
        kind = event.get("event")
        if kind == "hello":
            self.listening.set()
        elif kind == "resync":
            self.listening.set()
            self.launch.resyncs.append(event.get("data", ""))
        elif kind == "status":
            # The api streams a learner only their own instances' events: each learner
            # launches once, so any second instance or second Ready here is a duplicate.
            data: dict[str, Any] = json.loads(event.get("data", "{}"))
            phase = str(data.get("phase"))
            self.launch.stream_events[str(data.get("instance")), phase] += 1
            if phase == "Ready" and self.launch.ready_seen_at is None:
                self.launch.ready_seen_at = time.time()
