"""The live stream: phase changes, expiry and idle warnings, class messages and waiting-room
moves pushed to dashboards as server-sent events.

One ``Hub`` per api process holds ONE JetStream ordered consumer (ephemeral,
in memory, new messages only, filtered to ``status changed``, ``expiring`` and ``idle warning``)
and fans each event out to the connected clients whose owner it concerns,
through a bounded queue per client. A thousand open dashboards therefore cost
one consumer, not a thousand, and a slow client is disconnected (its queue is
replaced by an end marker) instead of holding the others back.

An ordered consumer rather than a core subscription: every event then carries
its stream sequence, which becomes the SSE ``id``. A client that reconnects
with ``Last-Event-ID`` gets what it missed from the stream (``replaying``), and
nats-py's ordered consumer resumes from its own last sequence after a NATS
reconnect, so the hub itself misses nothing in a blip either (ADR 0042).
Started by ``main``'s lifespan; ``routes.events`` turns a listener into an SSE
response.

A class's instructors listen by class (``listen_class``): the same consumer also reads
``roster changed`` notices and the gate's activity reports, and ``supervising`` turns
every event about a learner of a class into a short ``roster`` notice for that class's
instructors (docs/src/content/docs/decisions/0070). ``routes.class_events`` serves them.
"""

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from pydantic import ValidationError

from orchestra_shared.events import (
    ClassMessage,
    Expiring,
    IdleWarning,
    StatusChanged,
    WaitingChanged,
    WorkspaceExpiring,
    parse_streamed,
)
from orchestra_shared.retrying import Backoff
from orchestra_shared.settings import NatsOptions
from orchestra_shared.streaming import ensure_stream
from orchestra_shared.subjects import (
    ACTIVITY_REPORTED,
    CLASS_MESSAGE,
    EXPIRING,
    IDLE_WARNING,
    ROSTER_CHANGED,
    STATUS_CHANGED,
    STREAM,
    WAITING_CHANGED,
    WORKSPACE_EXPIRING,
)

log = logging.getLogger(__name__)

PUSHED_SUBJECTS = {
    STATUS_CHANGED: "status",
    EXPIRING: "expiring",
    IDLE_WARNING: "idle",
    CLASS_MESSAGE: "class-message",
    WAITING_CHANGED: "waiting",
    WORKSPACE_EXPIRING: "workspace",
}
# What the hub's one consumer reads: the learners' notices, and for instructors' views
# also the roster notices and the gate's activity reports (no learner is sent those).
CONSUMED_SUBJECTS = [*PUSHED_SUBJECTS, ROSTER_CHANGED, ACTIVITY_REPORTED]
RESYNC = "resync"
HELLO = "hello"


@dataclass(frozen=True)
class Notice:
    """One event as a client receives it; ``seq`` is its stream sequence (the SSE id)."""

    kind: str
    seq: int
    owner: str
    data: str
    class_id: str | None = None
    """Set on the notices for a class's instructors (``supervising``)."""

    def sse(self) -> str:
        return f"id: {self.seq}\nevent: {self.kind}\ndata: {self.data}\n\n"


def hello_sse(position: int) -> str:
    """The first event of a new stream: where it starts. A client that reconnects with
    this id gets everything after it, even if no event came before the drop."""
    return f"id: {position}\nevent: {HELLO}\ndata: {json.dumps({'position': position})}\n\n"


def resync_sse(reason: str) -> str:
    """Tells the client that what it missed cannot be replayed: re-read everything."""
    return f"event: {RESYNC}\ndata: {json.dumps({'reason': reason})}\n\n"


def notice_of(subject: str, data: bytes, seq: int) -> Notice | None:
    """The notice for one stream message, or None when it is not for dashboards (pure)."""
    kind = PUSHED_SUBJECTS.get(subject)
    if kind is None:
        return None
    try:
        event = parse_streamed(data)
    except ValidationError:
        log.warning("unreadable event on %s; not streamed", subject)
        return None
    if not isinstance(
        event,
        StatusChanged | Expiring | IdleWarning | ClassMessage | WaitingChanged | WorkspaceExpiring,
    ):
        return None
    return Notice(kind=kind, seq=seq, owner=event.owner, data=event.model_dump_json())


@dataclass(eq=False)
class Listener:
    """One connected client: whose events it gets (None: everyone's), or which class's
    (an instructor's view), and its queue."""

    owner: str | None
    queue: asyncio.Queue[Notice | None] = field(repr=False)
    class_id: str | None = None

    def concerns(self, notice: Notice) -> bool:
        return self.owner is None or self.owner == notice.owner


# Turns one stream message into the notices for classes' instructors (``supervising``).
Nudges = Callable[[str, bytes, int], Awaitable[list[Notice]]]


class Hub:
    def __init__(
        self, *, nats_options: NatsOptions, queue_size: int, nudges: Nudges | None = None
    ) -> None:
        self.nats_options = nats_options
        self.queue_size = queue_size
        self.nudges = nudges
        self._by_owner: dict[str, set[Listener]] = defaultdict(set)
        self._everyone: set[Listener] = set()
        self._by_class: dict[str, set[Listener]] = defaultdict(set)
        self._client: Client | None = None
        # nats-py can swallow a cancellation that lands inside connect(); shutdown therefore
        # also sets this event, which the loop checks after every step.
        self.stopping = asyncio.Event()
        self.subscriptions = 0  # consumers made; one per process, asserted in tests
        # The stream sequence up to which this hub has handed out every pushed event (and
        # which it passed without a pushed one): a new client starts here. None until the
        # hub has subscribed.
        self.position: int | None = None
        self.subscribed = asyncio.Event()  # set once ``position`` is known

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.is_connected

    @property
    def jetstream(self) -> JetStreamContext | None:
        """For replays; None while NATS has not been reached."""
        return self._client.jetstream() if self.connected and self._client else None

    @property
    def listeners(self) -> int:
        return (
            len(self._everyone)
            + sum(len(s) for s in self._by_owner.values())
            + sum(len(s) for s in self._by_class.values())
        )

    async def run(self) -> None:
        """Connect and subscribe once, then serve until cancelled; the ordered consumer
        resumes by itself after reconnects. A NATS that is down at start-up is retried."""
        backoff = Backoff(0.5, 5.0)
        try:
            while self._client is None and not self.stopping.is_set():
                client: Client | None = None
                try:
                    client = await nats.connect(
                        **self.nats_options,
                        allow_reconnect=True,
                        max_reconnect_attempts=-1,
                        reconnect_time_wait=0.5,
                    )
                    js = client.jetstream()
                    await ensure_stream(js)
                    # From the stream's end as read here, so `position` is exact: every
                    # event up to it was before this hub, every later one comes to it.
                    end = (await js.stream_info(STREAM)).state.last_seq
                    await js.subscribe(
                        STATUS_CHANGED,
                        cb=self._on_message,
                        ordered_consumer=True,
                        config=ConsumerConfig(
                            filter_subjects=CONSUMED_SUBJECTS,
                            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                            opt_start_seq=end + 1,
                        ),
                    )
                    self.position = end
                    self.subscribed.set()
                except (OSError, TimeoutError, nats.errors.Error) as error:
                    log.warning("event hub cannot reach NATS yet", extra={"error": repr(error)})
                    if client is not None:
                        with suppress(Exception):
                            await client.close()
                    await backoff.wait()
                    continue
                self.subscriptions += 1
                self._client = client
            await self.stopping.wait()
        finally:
            if self._client is not None:
                with suppress(Exception):
                    await self._client.close()
            self.end_streams()

    def end_streams(self) -> None:
        """End every open stream now (shutdown): each client gets the end of its response,
        reconnects elsewhere with its Last-Event-ID, and loses nothing."""
        for listener in [
            *self._everyone,
            *(x for s in self._by_owner.values() for x in s),
            *(x for s in self._by_class.values() for x in s),
        ]:
            self.forget(listener)
            self._end(listener)

    def listen(self, owner: str | None) -> Listener:
        listener = Listener(owner=owner, queue=asyncio.Queue(maxsize=self.queue_size))
        if owner is None:
            self._everyone.add(listener)
        else:
            self._by_owner[owner].add(listener)
        return listener

    def listen_class(self, class_id: str) -> Listener:
        """An instructor's view of one class: the ``roster`` notices of that class only."""
        listener = Listener(
            owner=None, class_id=class_id, queue=asyncio.Queue(maxsize=self.queue_size)
        )
        self._by_class[class_id].add(listener)
        return listener

    def forget(self, listener: Listener) -> None:
        if listener.class_id is not None:
            listeners = self._by_class.get(listener.class_id)
            if listeners is not None:
                listeners.discard(listener)
                if not listeners:
                    del self._by_class[listener.class_id]
        elif listener.owner is None:
            self._everyone.discard(listener)
        else:
            owners = self._by_owner.get(listener.owner)
            if owners is not None:
                owners.discard(listener)
                if not owners:
                    del self._by_owner[listener.owner]

    def publish(self, notice: Notice) -> None:
        """Hand a notice to every listener it concerns (the fan-out; also used by tests)."""
        if notice.class_id is not None:
            targets = [*self._by_class.get(notice.class_id, ())]
        else:
            targets = [*self._by_owner.get(notice.owner, ()), *self._everyone]
        for listener in targets:
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
        sequence = message.metadata.sequence.stream
        notice = notice_of(message.subject, message.data, sequence)
        self.position = max(self.position or 0, sequence)
        if notice is not None:
            self.publish(notice)
        if self._by_class and self.nudges is not None:
            try:
                nudges = await self.nudges(message.subject, message.data, sequence)
            except Exception:  # a lookup that failed costs instructors one nudge, never the hub
                log.warning("could not tell instructors of an event", exc_info=True)
                return
            for nudge in nudges:
                if nudge.class_id in self._by_class:
                    self.publish(nudge)


async def event_stream(
    hub: Hub,
    listener: Listener,
    *,
    heartbeat: float,
    backlog: AsyncIterator["Notice | str"] | None = None,
    position: int | None = None,
) -> AsyncIterator[str]:
    """The SSE body: the replayed backlog (for a reconnecting client) or a hello naming where
    the stream starts (for a new one), then notices as they come, with keep-alive comments
    between. Live notices already sent in the backlog are skipped.

    ``position`` must be read in the same step of the event loop as the listener was
    registered (``routes.events`` does), so the hello's id is exactly what was before."""
    try:
        yield "retry: 3000\n: connected\n\n"
        last_sent = 0
        if backlog is None:
            # A client that came before the hub subscribed (the api is ready while NATS is
            # not) was registered before the subscription, so every event after the hub's
            # first position reaches it: that position is its exact start.
            while position is None:
                try:
                    await asyncio.wait_for(hub.subscribed.wait(), timeout=heartbeat)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                position = hub.position
            yield hello_sse(position)
        if backlog is not None:
            async for chunk in backlog:
                if isinstance(chunk, Notice):
                    last_sent = chunk.seq
                    yield chunk.sse()
                else:
                    yield chunk
        while True:
            try:
                notice = await asyncio.wait_for(listener.queue.get(), timeout=heartbeat)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if notice is None:
                return
            if notice.seq > last_sent:
                yield notice.sse()
    finally:
        hub.forget(listener)
