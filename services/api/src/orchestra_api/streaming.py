"""The live stream: phase changes and expiry warnings pushed to dashboards as server-sent events.

One ``Hub`` per api process holds ONE core NATS subscription (on the platform's
subject wildcard; only ``status changed`` and ``expiring`` are passed on) and
fans each event out to the connected clients whose owner it concerns, through
a bounded queue per client. A thousand open dashboards therefore cost one
subscription, not a thousand, and a slow client is disconnected (its queue is
replaced by an end marker) instead of holding the others back; the browser's
EventSource reconnects and the dashboard re-reads state with GET.

Core NATS rather than a JetStream consumer: the stream is a live view, not a
record. Missed events while disconnected are recovered by re-reading the
instances, which are the truth (ADR 0041). Started by ``main``'s lifespan;
``routes.events`` turns a subscription into an SSE response.
"""

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import suppress
from dataclasses import dataclass, field

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from pydantic import ValidationError

from orchestra_shared.events import Expiring, StatusChanged, parse_event
from orchestra_shared.subjects import EXPIRING, PREFIX, STATUS_CHANGED

log = logging.getLogger(__name__)

SUBSCRIPTION_SUBJECT = f"{PREFIX}.>"
PUSHED_SUBJECTS = {STATUS_CHANGED: "status", EXPIRING: "expiring"}


@dataclass(frozen=True)
class Notice:
    """One event as a client receives it."""

    kind: str
    id: str
    owner: str
    data: str

    def sse(self) -> str:
        return f"id: {self.id}\nevent: {self.kind}\ndata: {self.data}\n\n"


@dataclass(eq=False)
class Listener:
    """One connected client: whose events it gets (None: everyone's) and its queue."""

    owner: str | None
    queue: asyncio.Queue[Notice | None] = field(repr=False)


class Hub:
    def __init__(self, *, nats_url: str, connect_timeout: float, queue_size: int) -> None:
        self.nats_url = nats_url
        self.connect_timeout = connect_timeout
        self.queue_size = queue_size
        self._by_owner: dict[str, set[Listener]] = defaultdict(set)
        self._everyone: set[Listener] = set()
        self._client: Client | None = None
        # nats-py can swallow a cancellation that lands inside connect(); shutdown therefore
        # also sets this event, which the loop checks after every step.
        self.stopping = asyncio.Event()
        self.subscriptions = 0  # NATS subscriptions made; one per process, asserted in tests

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.is_connected

    @property
    def listeners(self) -> int:
        return len(self._everyone) + sum(len(s) for s in self._by_owner.values())

    async def run(self) -> None:
        """Connect and subscribe once, then serve until cancelled; nats-py resubscribes
        after reconnects. A NATS that is down at start-up is retried."""
        try:
            while self._client is None and not self.stopping.is_set():
                try:
                    client = await nats.connect(
                        self.nats_url,
                        connect_timeout=self.connect_timeout,
                        allow_reconnect=True,
                        max_reconnect_attempts=-1,
                        reconnect_time_wait=0.5,
                    )
                except (OSError, nats.errors.Error) as error:
                    log.warning("event hub cannot reach NATS yet", extra={"error": repr(error)})
                    await asyncio.sleep(1.0)
                    continue
                await client.subscribe(SUBSCRIPTION_SUBJECT, cb=self._on_message)
                self.subscriptions += 1
                self._client = client
            await self.stopping.wait()
        finally:
            if self._client is not None:
                with suppress(Exception):
                    await self._client.close()
            for listener in [*self._everyone, *(x for s in self._by_owner.values() for x in s)]:
                self._end(listener)

    def listen(self, owner: str | None) -> Listener:
        listener = Listener(owner=owner, queue=asyncio.Queue(maxsize=self.queue_size))
        if owner is None:
            self._everyone.add(listener)
        else:
            self._by_owner[owner].add(listener)
        return listener

    def forget(self, listener: Listener) -> None:
        if listener.owner is None:
            self._everyone.discard(listener)
        else:
            owners = self._by_owner.get(listener.owner)
            if owners is not None:
                owners.discard(listener)
                if not owners:
                    del self._by_owner[listener.owner]

    def publish(self, notice: Notice) -> None:
        """Hand a notice to every listener it concerns (the fan-out; also used by tests)."""
        for listener in [*self._by_owner.get(notice.owner, ()), *self._everyone]:
            try:
                listener.queue.put_nowait(notice)
            except asyncio.QueueFull:
                log.info("live stream client too slow; disconnecting it")
                self.forget(listener)
                self._end(listener)

    @staticmethod
    def _end(listener: Listener) -> None:
        while not listener.queue.empty():
            listener.queue.get_nowait()
        listener.queue.put_nowait(None)

    async def _on_message(self, message: Msg) -> None:
        kind = PUSHED_SUBJECTS.get(message.subject)
        if kind is None:
            return  # commands and dead letters share the wildcard; not for dashboards
        try:
            event = parse_event(message.data)
        except ValidationError:
            log.warning("unreadable event on %s; not streamed", message.subject)
            return
        if not isinstance(event, StatusChanged | Expiring):
            return
        self.publish(
            Notice(
                kind=kind, id=str(event.event_id), owner=event.owner, data=event.model_dump_json()
            )
        )


async def event_stream(hub: Hub, listener: Listener, *, heartbeat: float) -> AsyncIterator[str]:
    """The SSE body: a hello, then notices as they come, with keep-alive comments between."""
    try:
        yield "retry: 3000\n: connected\n\n"
        while True:
            try:
                notice = await asyncio.wait_for(listener.queue.get(), timeout=heartbeat)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if notice is None:
                return
            yield notice.sse()
    finally:
        hub.forget(listener)
