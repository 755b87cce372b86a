"""Warm pools: instances started before a class, each claimed by one learner who joins.

A class with a pool (``classes.pool_size`` > 0) gets, from ``starts_at - lead`` on,
instances of its template owned by ``pool:<class id>``: an instance row, a
``warm_instances`` row and a ``launch requested`` in one transaction, like any launch.
The operator starts each in a namespace of its own that nobody owns yet (named from the
instance, never reused). A learner who joins claims a Ready one in the join's
transaction (``claim``, called by ``launching``): the row becomes theirs, with their
deadline, and a ``claim requested`` tells the operator to hand the namespace and the
Workshop over and expiry to keep the learner's deadline. Nothing of one learner's is
ever another's: an instance is claimed once, and its namespace had no owner before.

The ``Keeper``, one per api process, does the rest on a timer and when a claim wakes it:
a pass (one replica at a time, under a transaction-scoped advisory lock, as the waiting
room's admitter) refills the pool (one new instance per claim, until ``expected_size``
claims or ``starts_at + grace``) and, at ``starts_at + grace`` or when the class ends,
ends the unclaimed ones with reason ``pool-unclaimed``. Everything it knows is in rows, so
a restart resumes where the last pass left off (docs/src/content/docs/decisions/0070).
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from orchestra_api.admitting import Rules, refusal
from orchestra_api.cohorts import ClassRecord
from orchestra_api.config import ApiSettings
from orchestra_api.pools import (
    PoolState,
    fetch_pool_state,
    fetch_pooled_classes,
    hand_over,
    insert_warm,
    lock_unclaimed,
    mark_discarded,
    take_ready,
)
from orchestra_api.records import (
    InstanceRecord,
    NewInstance,
    Usage,
    add_to_outbox,
    fetch_instance,
    fetch_usage,
    insert_instance_with_event,
    mark_terminate_requested,
)
from orchestra_shared.catalogs import Catalog
from orchestra_shared.events import ClaimRequested, LaunchRequested, TerminateRequested
from orchestra_shared.names import instance_name, random_suffix
from orchestra_shared.owners import pool_owner
from orchestra_shared.retrying import pass_forever
from orchestra_shared.templates import Template
from orchestra_shared.workshops import spec_from_template

log = logging.getLogger(__name__)

PASS_LOCK = "warm-pools"
NAME_ATTEMPTS = 5


def pool_target(size_asked: int | None, expected_size: int) -> int:
    """How many warm instances a class keeps: what was asked, else its expected size."""
    return expected_size if size_asked is None else size_asked


def is_poolable(template: Template) -> bool:
    """A learner's persistent workspace lives in their own namespace, which a warm
    instance does not run in: such templates are not pooled."""
    storage = template.storage
    return storage is None or storage.workspace is None or storage.workspace.persist is None


def warm_window(klass: ClassRecord) -> tuple[datetime, datetime]:
    """From when the pool is started, and when unclaimed instances are removed."""
    return (
        klass.starts_at - timedelta(seconds=klass.pool_lead_seconds),
        klass.starts_at + timedelta(seconds=klass.pool_grace_seconds),
    )


def to_start(klass: ClassRecord, state: PoolState, now: datetime) -> int:
    """How many new warm instances the class needs now (pure).

    Inside the window, the pool keeps ``pool_size`` unclaimed instances alive, less as
    the claims near ``expected_size`` (nobody more is expected to come); one claimed is
    one started in its place. The total ever started is bounded, so a template that
    fails every time cannot start instances for ever.
    """
    opens, closes = warm_window(klass)
    if klass.pool_size <= 0 or not klass.is_open(now) or not opens <= now < closes:
        return 0
    still_expected = max(0, klass.expected_size - state.claimed)
    wanted = min(klass.pool_size, still_expected) - state.live
    budget = klass.pool_size + klass.expected_size - state.started
    return max(0, min(wanted, budget))


def is_over(klass: ClassRecord, now: datetime) -> bool:
    """Whether unclaimed instances go now: past start plus grace, or the class ended."""
    return not klass.is_open(now) or now >= warm_window(klass)[1]


def warm_deadline(
    klass: ClassRecord, template: Template, now: datetime, backstop: float
) -> datetime:
    """A warm instance's deadline: the keeper removes it at start plus grace; expiry ends
    it ``backstop`` seconds later should the api not (never past the template's maximum)."""
    _, closes = warm_window(klass)
    return min(closes + timedelta(seconds=backstop), now + template.max_duration, klass.ends_at)


@dataclass(frozen=True)
class WarmPlan:
    instance: NewInstance
    event: LaunchRequested


def plan_warm(
    template: Template, klass: ClassRecord, *, now: datetime, suffix: str, backstop: float
) -> WarmPlan:
    """The launch of one warm instance (pure): the pool owns it, no idle rule applies
    before a learner has it (nobody is there to be idle)."""
    owner = pool_owner(klass.id)
    expires_at = warm_deadline(klass, template, now, backstop)
    name = instance_name(template.slug, klass.session_tag, suffix)
    spec = spec_from_template(template, owner=owner, expires_at=expires_at)
    event = LaunchRequested(
        instance=name,
        owner=owner,
        occurred_at=now,
        template_slug=template.slug,
        expires_at=expires_at,
        startup_timeout_seconds=spec.startup_timeout_seconds,
    )
    instance = NewInstance(
        name=name,
        owner=owner,
        template_slug=template.slug,
        template_name=template.name,
        resolved_spec=spec.model_dump(mode="json", by_alias=True),
        requested_duration_seconds=int((expires_at - now).total_seconds()),
        expires_at=expires_at,
        idempotency_key=None,
        max_duration_seconds=int(template.max_duration.total_seconds()),
    )
    return WarmPlan(instance=instance, event=event)


def learner_deadline(
    template: Template, *, now: datetime, created_at: datetime, class_ends_at: datetime
) -> datetime:
    """The claiming learner's deadline: what a launch now would get, within the class and
    within the template's maximum from the instance's start (the operator counts from
    the Workshop's creation, which was before the claim)."""
    return min(now + template.default_duration, class_ends_at, created_at + template.max_duration)


async def claim(
    connection: asyncpg.Connection,
    template: Template,
    *,
    class_id: str,
    class_ends_at: datetime,
    owner: str,
    now: datetime,
    idempotency_key: str | None,
) -> InstanceRecord | None:
    """Give ``owner`` a Ready warm instance of the class, in the caller's transaction
    (the join's, under the learner's and the class's locks); None when none is free."""
    name = await take_ready(connection, class_id, owner, now)
    if name is None:
        return None
    warm = await fetch_instance(connection, name, for_update=True)
    assert warm is not None  # warm_instances.name references it
    expires_at = learner_deadline(
        template, now=now, created_at=warm.created_at, class_ends_at=class_ends_at
    )
    spec = spec_from_template(template, owner=owner, expires_at=expires_at)
    record = await hand_over(
        connection,
        name,
        owner=owner,
        class_id=class_id,
        expires_at=expires_at,
        resolved_spec=spec.model_dump(mode="json", by_alias=True),
        requested_duration_seconds=max(1, int((expires_at - now).total_seconds())),
        idempotency_key=idempotency_key,
    )
    idle = template.idle
    await add_to_outbox(
        connection,
        ClaimRequested(
            instance=name,
            owner=owner,
            occurred_at=now,
            pool_owner=pool_owner(class_id),
            expires_at=expires_at,
            idle_timeout_seconds=int(idle.timeout.total_seconds()) if idle else None,
            idle_warning_seconds=int(idle.warning.total_seconds()) if idle else None,
        ),
    )
    return record


class Keeper:
    """Keeps the warm pools: a pass now and then, and at once when woken (a claim)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        catalog: Catalog,
        *,
        settings: ApiSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self.pool = pool
        self.catalog = catalog
        self.settings = settings
        self.clock = clock
        self._woken = asyncio.Event()
        self.passes = 0  # completed passes, for tests that wait on one

    def wake(self) -> None:
        self._woken.set()

    async def run(self) -> None:
        await pass_forever(
            self.tend_once,
            woken=self._woken,
            interval=self.settings.warm_pool_interval,
            what="warm pools",
            log=log,
        )

    async def tend_once(self) -> tuple[int, int] | None:
        """One pass over every pooled class; returns (started, removed), or None when
        another replica (or another keeper of this process) was in a pass."""
        started = removed = 0
        async with self.pool.acquire() as connection, connection.transaction():
            if not await connection.fetchval(
                "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))", PASS_LOCK
            ):
                return None  # another replica keeps the pools
            now = self.clock()
            for klass in await fetch_pooled_classes(connection, now):
                if is_over(klass, now):
                    removed += await self._remove(connection, klass, now, "pool-unclaimed")
                    continue
                removed += await self._forget_lost(connection, klass, now)
                started += await self._refill(connection, klass, now)
        self.passes += 1
        return started, removed

    async def _refill(
        self, connection: asyncpg.Connection, klass: ClassRecord, now: datetime
    ) -> int:
        template = self.catalog.get(klass.template_slug)
        if template is None or not template.enabled or not is_poolable(template):
            return 0
        wanted = to_start(klass, await fetch_pool_state(connection, klass.id), now)
        rules = Rules.for_template(self.settings, template.slug)
        started = 0
        for _ in range(wanted):
            counts = await fetch_usage(connection, pool_owner(klass.id), template.slug, now)
            # The pool is nobody's: only the platform's capacity holds it back.
            full = refusal(Usage(0, 0, counts.total, counts.of_template), rules)
            if full is not None:
                log.info("warm pool waits for capacity", extra={"class": klass.id})
                break
            await self._start(connection, template, klass, now)
            started += 1
        return started

    async def _start(
        self, connection: asyncpg.Connection, template: Template, klass: ClassRecord, now: datetime
    ) -> None:
        for _attempt in range(NAME_ATTEMPTS):
            plan = plan_warm(
                template,
                klass,
                now=now,
                suffix=random_suffix(),
                backstop=self.settings.warm_pool_backstop,
            )
            taken = await connection.fetchval(
                "SELECT true FROM instances WHERE name = $1", plan.instance.name
            )
            if taken:
                continue  # a name collision: draw another suffix
            await insert_instance_with_event(connection, plan.instance, plan.event)
            await insert_warm(connection, plan.instance.name, klass.id, now)
            log.info(
                "warm instance started", extra={"class": klass.id, "workshop": plan.instance.name}
            )
            return
        raise RuntimeError(f"could not find a free instance name in {NAME_ATTEMPTS} attempts")

    async def _forget_lost(
        self, connection: asyncpg.Connection, klass: ClassRecord, now: datetime
    ) -> int:
        """Unclaimed instances that failed or ended by themselves: out of the pool (ended
        if still there), so a new one takes their place."""
        lost = set((await fetch_pool_state(connection, klass.id)).lost)
        if not lost:
            return 0
        removed = 0
        for warm in await lock_unclaimed(connection, klass.id):
            if warm.name in lost:
                reason = "failed" if warm.phase == "Failed" else "pool-unclaimed"
                await self._end(
                    connection,
                    warm.name,
                    warm.owner,
                    warm.phase,
                    warm.terminate_requested_at,
                    now,
                    reason,
                )
                await mark_discarded(connection, warm.name, now, warm.phase.lower())
                removed += 1
        return removed

    async def _remove(
        self, connection: asyncpg.Connection, klass: ClassRecord, now: datetime, reason: str
    ) -> int:
        removed = 0
        for warm in await lock_unclaimed(connection, klass.id):
            await self._end(
                connection,
                warm.name,
                warm.owner,
                warm.phase,
                warm.terminate_requested_at,
                now,
                "pool-unclaimed",
            )
            await mark_discarded(connection, warm.name, now, reason)
            removed += 1
        if removed:
            log.info(
                "unclaimed warm instances removed", extra={"class": klass.id, "count": removed}
            )
        return removed

    @staticmethod
    async def _end(
        connection: asyncpg.Connection,
        name: str,
        owner: str,
        phase: str,
        terminate_requested_at: datetime | None,
        now: datetime,
        reason: str,
    ) -> None:
        if phase == "Terminated" or terminate_requested_at is not None:
            return
        await mark_terminate_requested(connection, name, now)
        await add_to_outbox(
            connection,
            TerminateRequested(
                instance=name,
                owner=owner,
                occurred_at=now,
                reason="failed" if reason == "failed" else "pool-unclaimed",
            ),
        )
