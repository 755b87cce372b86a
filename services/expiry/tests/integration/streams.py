"""Reading back what expiry published: every event on a subject, from the stream's start."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import nats.errors
from nats.js import JetStreamContext

from orchestra_shared import subjects
from orchestra_shared.events import AnyEvent, parse_event


async def published(js: JetStreamContext, subject: str) -> list[AnyEvent]:
    """All events stored on ``subject`` so far, oldest first (an ephemeral consumer reads them)."""
    info = await js.stream_info(subjects.STREAM, subjects_filter=subject)
    expected = sum((info.state.subjects or {}).values())
    if not expected:
        return []
    subscription = await js.pull_subscribe(subject, stream=subjects.STREAM)
    events: list[AnyEvent] = []
    try:
        while len(events) < expected:
            try:
                messages = await subscription.fetch(batch=expected - len(events), timeout=30)
            except nats.errors.TimeoutError:
                break
            events.extend(parse_event(message.data) for message in messages)
    finally:
        await subscription.unsubscribe()
    return events


async def eventually(
    probe: Callable[[], Awaitable[bool]], *, timeout: float = 60.0, interval: float = 0.05
) -> None:
    """Poll ``probe`` until it holds; fail after ``timeout`` seconds (generous: shared CPUs)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await probe():
        if loop.time() > deadline:
            raise AssertionError(f"not true within {timeout} s: {probe.__qualname__}")
        await asyncio.sleep(interval)
