"""Publishing ``status changed`` events from sync's outbox to JetStream, in order.

``recording`` puts each event in ``sync_outbox`` in the transaction that
records its transition; this relay publishes pending rows oldest first, with
the event id as ``Nats-Msg-Id``, and marks them published. A crash between the
publish and the mark republishes the row, and JetStream's duplicate window
drops the copy: each transition reaches the stream once. With two replicas, a
transaction-scoped advisory lock lets one relay at a time, which also keeps
the events of one instance in the order they were recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass

import asyncpg
import nats.errors
from nats.js import JetStreamContext

from orchestra_shared import subjects
from orchestra_sync.errors import Unavailable

log = logging.getLogger(__name__)

# pg_advisory_xact_lock key: "sync-relay" as a number, so no other lock user collides.
RELAY_LOCK = 0x73796E6372656C61


@dataclass(frozen=True)
class RelaySettings:
    batch: int
    publish_timeout: float
    retention: float


async def relay_once(pool: asyncpg.Pool, js: JetStreamContext, settings: RelaySettings) -> int:
    """Publish one batch; returns how many rows were published (0: nothing, or not our turn).

    Raises ``Unavailable`` when NATS failed mid-batch; the rows published before
    the failure are marked, the rest stay pending in order.
    """
    failure: BaseException | None = None
    async with pool.acquire() as connection, connection.transaction():
        if not await connection.fetchval("SELECT pg_try_advisory_xact_lock($1)", RELAY_LOCK):
            return 0
        rows = await connection.fetch(
            """SELECT id, event_id, payload FROM sync_outbox
               WHERE published_at IS NULL ORDER BY id LIMIT $1""",
            settings.batch,
        )
        published: list[int] = []
        for row in rows:
            try:
                await js.publish(
                    subjects.STATUS_CHANGED,
                    json.dumps(json.loads(row["payload"]), separators=(",", ":")).encode(),
                    timeout=settings.publish_timeout,
                    headers={"Nats-Msg-Id": str(row["event_id"])},
                )
            except (nats.errors.Error, OSError, TimeoutError) as error:
                failure = error
                await connection.execute(
                    "UPDATE sync_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1",
                    row["id"],
                    repr(error)[:500],
                )
                break
            published.append(row["id"])
        if published:
            await connection.execute(
                "UPDATE sync_outbox SET published_at = now() WHERE id = ANY($1::bigint[])",
                published,
            )
    if failure is not None:
        raise Unavailable("publishing to JetStream failed") from failure
    return len(published)


async def prune(pool: asyncpg.Pool, retention: float) -> None:
    await pool.execute(
        """DELETE FROM sync_outbox
           WHERE published_at < now() - make_interval(secs => $1::double precision)""",
        retention,
    )


class Relay:
    """Runs ``relay_once`` whenever woken (a local commit) or every ``interval`` seconds."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: RelaySettings,
        *,
        interval: float,
        backoff_min: float,
        backoff_max: float,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.interval = interval
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, js: JetStreamContext) -> None:
        delay = self.backoff_min
        pruned_at = 0.0
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            try:
                while await relay_once(self.pool, js, self.settings) == self.settings.batch:
                    pass
                if loop.time() - pruned_at > 60:
                    await prune(self.pool, self.settings.retention)
                    pruned_at = loop.time()
                delay = self.backoff_min
            except (Unavailable, asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
                log.warning(
                    "relay failed; retrying", extra={"error": repr(error.__cause__ or error)}
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
