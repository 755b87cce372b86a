"""A claimed warm instance (docs/src/content/docs/decisions/0070) keeps its learner's deadline and idle rule,
once: a redelivered claim cannot undo a later extension."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from services.expiry.tests.integration.samples import EXPIRES, extend

from orchestra_expiry import schedules
from orchestra_expiry.subscribers import apply
from orchestra_shared.events import ClaimRequested, LaunchRequested

POOL = "pool:k2x9bcdfgh"
LEARNER = "ada@example.org"


async def test_a_claim_hands_the_deadline_to_the_learner_once(pool: asyncpg.Pool) -> None:
    warm = LaunchRequested(
        instance="ws-warm",
        owner=POOL,
        template_slug="rstudio",
        expires_at=EXPIRES,
        startup_timeout_seconds=600,
    )
    await apply(pool, warm)
    claim = ClaimRequested(
        instance="ws-warm",
        owner=LEARNER,
        pool_owner=POOL,
        expires_at=EXPIRES + timedelta(hours=2),
        idle_timeout_seconds=1800,
        idle_warning_seconds=300,
    )
    await apply(pool, claim)
    entry = await schedules.get(pool, "ws-warm")
    assert entry is not None
    assert (entry.owner, entry.expires_at) == (LEARNER, EXPIRES + timedelta(hours=2))
    assert (entry.idle_timeout_seconds, entry.idle_warning_seconds) == (1800, 300)
    assert entry.last_active_at == claim.occurred_at

    later = extend("ws-warm", expires_at=EXPIRES + timedelta(hours=3), extension=1)
    await apply(pool, later)
    await apply(pool, claim)  # redelivered
    entry = await schedules.get(pool, "ws-warm")
    assert entry is not None
    assert entry.expires_at == EXPIRES + timedelta(hours=3)
