"""The retention reapers' common loop and their one metric (docs/src/content/docs/decisions/0060).

Each retention rule has one reaper, in the service that owns what it deletes (sync:
ended sessions' history; api: exported archives and the audit; api deciding and the
operator deleting: unused persistent workspaces, docs/src/content/docs/decisions/0062). A reaper is a function that deletes what is past its period in small
idempotent steps and returns how many things it deleted; ``reap_forever`` runs it every
``RetentionSettings.reap_interval`` and survives its failures (the next round finishes
the work). Every deletion counts in ``orchestra_retention_deleted_total{rule}``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import Counter

log = logging.getLogger(__name__)

DELETED = Counter(
    "orchestra_retention_deleted_total",
    "Things deleted because their retention period passed, by rule (history, archives, "
    "workspaces, audit).",
    ["rule"],
)


async def reap_forever(rule: str, reap: Callable[[], Awaitable[int]], *, interval: float) -> None:
    """Run ``reap`` every ``interval`` seconds for ever; a failed round is logged and retried."""
    while True:
        try:
            deleted = await reap()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("retention round failed; the next one retries", extra={"rule": rule})
        else:
            if deleted:
                log.info("retention round", extra={"rule": rule, "deleted": deleted})
        await asyncio.sleep(interval)
