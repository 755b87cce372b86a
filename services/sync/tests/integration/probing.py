"""Reading what sync wrote (Postgres rows, JetStream messages) and waiting for it."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import asyncpg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from orchestra_shared import subjects
from orchestra_shared.events import StatusChanged, parse_event

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    timeout: float = 60.0,
    interval: float = 0.05,
) -> T:
    """Poll until ``done(value)``; on timeout fail with the last value seen and the tasks."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await probe()
        if done(value):
            return value
        if loop.time() > deadline:
            raise AssertionError(
                f"not done within {timeout}s; last value: {value!r}; tasks:\n{task_stacks()}"
            )
        await asyncio.sleep(interval)


def task_stacks() -> str:
    """Where every task of this loop waits: what a hang's failure message needs."""
    out = io.StringIO()
    for task in asyncio.all_tasks():
        task.print_stack(limit=8, file=out)
    return out.getvalue()


def ends_with(phase: str) -> Callable[[list[str]], bool]:
    return lambda seen: seen[-1:] == [phase]


async def insert_instance(pool: asyncpg.Pool, name: str, owner: str = "ada@example.org") -> None:
    """An instance row as the api inserts it at launch (phase Requested)."""
    expires = datetime.now(UTC) + timedelta(hours=1)
    await pool.execute(
        """INSERT INTO instances (name, owner, template_slug, template_name, resolved_spec,
                                  requested_duration_seconds, expires_at)
           VALUES ($1, $2, 'rstudio', 'RStudio', $3::jsonb, 3600, $4)""",
        name,
        owner,
        json.dumps({"image": "rocker/rstudio:4.4"}),
        expires,
    )


async def history(pool: asyncpg.Pool, name: str) -> list[tuple[str, datetime]]:
    rows = await pool.fetch(
        """SELECT phase, transitioned_at FROM instance_history
           WHERE instance = $1 ORDER BY transitioned_at, id""",
        name,
    )
    return [(row["phase"], row["transitioned_at"]) for row in rows]


async def phases(pool: asyncpg.Pool, name: str) -> list[str]:
    return [phase for phase, _ in await history(pool, name)]


async def row(pool: asyncpg.Pool, name: str) -> dict[str, Any]:
    record = await pool.fetchrow("SELECT * FROM instances WHERE name = $1", name)
    assert record is not None
    return dict(record)


async def status_events(js: JetStreamContext) -> list[StatusChanged]:
    """Every ``status changed`` message in the stream, in stream order."""
    info = await js.stream_info(subjects.STREAM, subjects_filter=subjects.STATUS_CHANGED)
    count = (info.state.subjects or {}).get(subjects.STATUS_CHANGED, 0)
    if not count:
        return []
    subscription = await js.pull_subscribe(
        subjects.STATUS_CHANGED,
        stream=subjects.STREAM,
        config=ConsumerConfig(
            ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=5
        ),
    )
    events: list[StatusChanged] = []
    try:
        while len(events) < count:
            for message in await subscription.fetch(count - len(events), timeout=30):
                event = parse_event(message.data)
                assert isinstance(event, StatusChanged)
                events.append(event)
    finally:
        await subscription.unsubscribe()
    return events


async def wait_for_phase(pool: asyncpg.Pool, name: str, phase: str) -> None:
    await eventually(lambda: phases(pool, name), ends_with(phase))


async def wait_for_history(
    pool: asyncpg.Pool, name: str, expected: list[tuple[str, datetime]]
) -> None:
    await eventually(lambda: history(pool, name), lambda seen: seen == expected)
