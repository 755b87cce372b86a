"""Terminations that arrived before their launch, remembered so the launch does not run.

Commands are handled in order, but a launch that is retried (deferred, or left
unacknowledged by a replica that died) comes back after a terminate that was
published later. Without a memory, that terminate finds no Workshop and is
acknowledged, the launch then creates one, and since expiry already cancelled
the deadline on the terminate, the workshop would run with no end. The same
holds for a launch redelivered after the terminate that deleted its Workshop. So
every terminate leaves a tombstone (a key in a JetStream key-value bucket,
durable, expiring after a few days) and a launch checks for one first.
"""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig
from nats.js.errors import BucketNotFoundError, KeyNotFoundError
from nats.js.kv import KeyValue

from orchestra_shared import subjects

BUCKET = subjects.TOMBSTONES_BUCKET


class Tombstones:
    def __init__(self, bucket: KeyValue) -> None:
        self.bucket = bucket

    async def bury(self, instance: str, reason: str) -> None:
        await self.bucket.put(instance, reason.encode())

    async def buried(self, instance: str) -> bool:
        try:
            await self.bucket.get(instance)
        except KeyNotFoundError:
            return False
        return True


async def open_tombstones(js: JetStreamContext, *, ttl: float) -> Tombstones:
    """The bucket, created on first use (file storage: it must survive a NATS restart)."""
    try:
        bucket = await js.key_value(BUCKET)
    except BucketNotFoundError:
        bucket = await js.create_key_value(KeyValueConfig(bucket=BUCKET, ttl=ttl, history=1))
    return Tombstones(bucket)
