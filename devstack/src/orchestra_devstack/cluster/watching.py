"""
The cluster-wide change log, and watch streams served from it.

kmock's watch replays every object as ADDED whatever ``resourceVersion`` the
client asks for, never times out and sends no bookmarks. Here every write of
the store becomes a ``Change`` with its own cluster-wide resourceVersion,
kept in a bounded log. A watch resumes after the requested version, answers
a ``410 Expired`` ERROR event (as the real API server does) when that version
has already fallen out of the log, honours ``timeoutSeconds``, and sends
BOOKMARK events. The same log feeds in-process controllers (the garbage
collector, the fake kubelet) through subscriptions that never lose events.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
from collections.abc import AsyncGenerator, Callable, Iterator
from typing import Any

from orchestra_devstack.cluster.errors import GoneError

StorageKey = tuple[str, str, str]


@dataclasses.dataclass(frozen=True)
class Change:
    """One write: the object's state after it (for DELETED, its last state) and before."""

    resource_version: int
    storage_key: StorageKey
    type: str  # ADDED, MODIFIED, DELETED
    new: dict[str, Any]
    old: dict[str, Any] | None


class EventLog:
    """The last ``capacity`` changes in resourceVersion order, plus live subscriptions."""

    def __init__(self, *, capacity: int, first_resource_version: int = 1) -> None:
        """``first_resource_version``: where this cluster's history starts; a version
        before it is of another cluster (an earlier run) and answers 410 Gone."""
        self._changes: collections.deque[Change] = collections.deque(maxlen=capacity)
        # By the resource they follow (None: every resource), so that a write wakes only
        # the watches of its own resource: a burst's writes would otherwise wake every
        # watch of every kind, each to drop what is not its own.
        self._subscribers: dict[StorageKey | None, set[asyncio.Queue[Change]]] = (
            collections.defaultdict(set)
        )
        # The newest resourceVersion dropped from the log (or never in it).
        self._compacted = first_resource_version - 1
        self.last_resource_version = first_resource_version - 1

    def next_resource_version(self) -> int:
        self.last_resource_version += 1
        return self.last_resource_version

    def append(self, change: Change) -> None:
        if self._changes.maxlen is not None and len(self._changes) == self._changes.maxlen:
            self._compacted = self._changes[0].resource_version
        self._changes.append(change)
        for key in (change.storage_key, None):
            for queue in self._subscribers.get(key, ()):
                queue.put_nowait(change)

    def since(self, resource_version: int) -> list[Change]:
        """The changes after the version, or ``GoneError`` if some of them were dropped."""
        if resource_version < self._compacted:
            raise GoneError(f"too old resource version: {resource_version} ({self._compacted + 1})")
        return [c for c in self._changes if c.resource_version > resource_version]

    @contextlib.contextmanager
    def subscribe(self, storage_key: StorageKey | None = None) -> Iterator[asyncio.Queue[Change]]:
        """Every change appended while inside (of one resource, if given), in order, none lost."""
        queue: asyncio.Queue[Change] = asyncio.Queue()
        self._subscribers[storage_key].add(queue)
        try:
            yield queue
        finally:
            self._subscribers[storage_key].discard(queue)
            if not self._subscribers[storage_key]:
                del self._subscribers[storage_key]


@dataclasses.dataclass(frozen=True)
class WatchRequest:
    """What one ``?watch=true`` request asks for, already parsed."""

    storage_key: StorageKey
    matches: Callable[[dict[str, Any]], bool]  # namespace, name and selectors
    present: Callable[[dict[str, Any]], dict[str, Any]]  # stored object -> served object
    bookmark: dict[str, Any]  # apiVersion and kind for BOOKMARK objects
    since: int | None  # None: send the current objects first
    send_initial_end: bool = False  # the initial-events-end bookmark (sendInitialEvents)
    bookmarks: bool = False
    timeout: float | None = None
    bookmark_interval: float = 30.0


def _translate(change: Change, request: WatchRequest) -> dict[str, Any] | None:
    """The event this watch sees for the change, if any (selectors can turn types)."""
    if change.storage_key != request.storage_key:
        return None
    was = change.old is not None and change.type != "ADDED" and request.matches(change.old)
    now = request.matches(change.new)
    if change.type == "DELETED":
        kind = "DELETED" if now or was else None
    elif change.type == "ADDED":
        kind = "ADDED" if now else None
    else:
        kind = "MODIFIED" if was and now else "ADDED" if now else "DELETED" if was else None
    return None if kind is None else {"type": kind, "object": request.present(change.new)}


def _bookmark(request: WatchRequest, resource_version: int, *, end: bool) -> dict[str, Any]:
    metadata: dict[str, Any] = {"resourceVersion": str(resource_version)}
    if end:
        metadata["annotations"] = {"k8s.io/initial-events-end": "true"}
    return {"type": "BOOKMARK", "object": {**request.bookmark, "metadata": metadata}}


def _expired(error: GoneError) -> dict[str, Any]:
    return {"type": "ERROR", "object": error.as_status()}


async def stream(
    request: WatchRequest,
    *,
    log: EventLog,
    snapshot: Callable[[], list[dict[str, Any]]],
) -> AsyncGenerator[list[dict[str, Any]], None]:
    """The events of one watch, until its timeout (or forever), in batches: whatever
    changes are waiting when the watch wakes up go out together (one write, not one
    each, while a burst keeps the server busy)."""
    loop = asyncio.get_running_loop()
    deadline = None if request.timeout is None else loop.time() + request.timeout
    with log.subscribe(request.storage_key) as queue:
        # No awaits from subscribing to here: the snapshot and the backlog are consistent.
        backlog: list[dict[str, Any]] = []
        position = log.last_resource_version
        if request.since is None:
            backlog = [
                {"type": "ADDED", "object": request.present(body)}
                for body in snapshot()
                if request.matches(body)
            ]
        else:
            try:
                changes = log.since(request.since)
            except GoneError as error:
                yield [_expired(error)]
                return
            translated = (_translate(change, request) for change in changes)
            backlog = [event for event in translated if event is not None]
        if request.send_initial_end and request.bookmarks:
            backlog.append(_bookmark(request, position, end=True))
        if backlog:
            yield backlog

        while True:
            wait = request.bookmark_interval if request.bookmarks else None
            if deadline is not None:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return
                wait = remaining if wait is None else min(wait, remaining)
            try:
                waiting = [await asyncio.wait_for(queue.get(), timeout=wait)]
            except TimeoutError:
                # A bookmark promises every change up to its version was sent. A change can
                # land in the queue while the wait times out; if the stream then ended after
                # the bookmark, the client would resume past a change it never saw (sync
                # lost a Workshop's deletion so). Send what is queued first.
                if request.bookmarks and queue.empty():
                    yield [_bookmark(request, log.last_resource_version, end=False)]
                continue
            while not queue.empty():
                waiting.append(queue.get_nowait())
            batch = [
                translation
                for change in waiting
                if change.resource_version > position  # else already sent in the backlog
                if (translation := _translate(change, request)) is not None
            ]
            if batch:
                yield batch
