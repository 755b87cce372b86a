"""Announcing recorded transitions as ``status changed`` events on JetStream.

The message id is derived from the transition itself, so announcing the same
transition twice (two replicas, a retry) is dropped by JetStream's duplicate
window.
"""

from __future__ import annotations

import asyncpg
from nats.js import JetStreamContext

from orchestra_shared import subjects
from orchestra_shared.events import StatusChanged, encode_event
from orchestra_sync.observing import Observation


async def announce(js: JetStreamContext, pool: asyncpg.Pool, observation: Observation) -> None:
    owner = await pool.fetchval("SELECT owner FROM instances WHERE name = $1", observation.name)
    if owner is None:
        return
    event = StatusChanged(
        instance=observation.name,
        owner=owner,
        phase=observation.phase,
        reason=observation.reason,
        message=observation.message,
        url=observation.url,
        transitioned_at=observation.transitioned_at,
    )
    msg_id = (
        f"status:{observation.name}:{observation.phase}:{observation.transitioned_at.isoformat()}"
    )
    await js.publish(subjects.STATUS_CHANGED, encode_event(event), headers={"Nats-Msg-Id": msg_id})
