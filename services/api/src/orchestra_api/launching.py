"""Launching an instance: record a plan and its event atomically, once the limits agree.

``launch`` persists a plan (``planning``) after the rules of ``admitting`` agree: under a
per-learner lock, the idempotency key, the limits and the capacity are checked and the
instance row and the ``launch requested`` event go into Postgres in one transaction (the
transactional outbox), so a launch accepted with 202 is never lost, whatever NATS is doing
at that moment. ``launch_or_wait`` is the same launch for a learner who would rather wait
than be refused: at capacity (or behind someone already waiting for it) it takes a place
in the waiting room in that same transaction and returns the ticket
(docs/src/content/docs/decisions/0070). Called by ``routes.instances``, and by
``enrolling`` and ``queueing`` for classes and admissions.

An ordinary launch is five round trips: BEGIN, the learner's lock, one read of
everything it is decided on (``waiting.fetch_standing``), one statement for the row, its
event and the relay's wake-up, COMMIT. At a class's start the api's CPU per launch is
mostly its round trips and the web framework.
"""

from datetime import datetime
from typing import Literal

import asyncpg

from orchestra_api import workspacing
from orchestra_api.admitting import Refusal, Rules, refusal
from orchestra_api.bodies import InstanceBody
from orchestra_api.cohorts import count_class_seats_taken, fetch_live_class_instance, lock_class
from orchestra_api.config import ApiSettings
from orchestra_api.metering import Metrics
from orchestra_api.planning import ForClass, LaunchPlan, plan_launch
from orchestra_api.pooling import claim
from orchestra_api.problems import (
    CapacityFull,
    ClassFull,
    InvalidRequest,
    LimitReached,
    NotFound,
    ProblemError,
)
from orchestra_api.records import (
    InstanceRecord,
    fetch_by_idempotency_key,
    fetch_counted_for_owner,
    fetch_usage,
    insert_instance_with_event,
    lock_owner,
)
from orchestra_api.tickets import TicketRecord, enqueue_launch
from orchestra_api.waiting import Standing, fetch_standing, held_place, line_of
from orchestra_shared.catalogs import Catalog
from orchestra_shared.names import random_suffix
from orchestra_shared.templates import Template

NAME_ATTEMPTS = 5
# What a launch that went ahead was: a new instance, one claimed from a warm pool, or the
# one an earlier request made (an idempotent replay, a learner's live class session).
Outcome = Literal["accepted", "claimed", "replayed", "queued"]


async def launch(
    pool: asyncpg.Pool,
    catalog: Catalog,
    *,
    slug: str,
    owner: str,
    duration_text: str | None,
    now: datetime,
    idempotency_key: str | None,
    settings: ApiSettings,
    metrics: Metrics,
    for_class: ForClass | None = None,
) -> tuple[InstanceRecord, bool]:
    """Record a launch; returns the instance and whether it is new (False: an idempotent replay).

    ``for_class``: a class's launch (``enrolling``, ``queueing``), with its session tag and
    seats; a learner's live session of the class is returned instead of a second one, and
    a full class raises ``ClassFull`` (429).

    Raises ``NotFound`` (unknown or disabled template), ``InvalidRequest`` (duration),
    ``LimitReached`` (409, with the learner's instance that stands in the way) or
    ``CapacityFull`` (429).
    """
    record, created = await _counted(
        pool,
        catalog,
        slug=slug,
        owner=owner,
        duration_text=duration_text,
        now=now,
        idempotency_key=idempotency_key,
        settings=settings,
        metrics=metrics,
        for_class=for_class,
        may_wait=False,
    )
    assert isinstance(record, InstanceRecord)  # only a launch that may wait gets a ticket
    return record, created


async def launch_or_wait(
    pool: asyncpg.Pool,
    catalog: Catalog,
    *,
    slug: str,
    owner: str,
    duration_text: str | None,
    now: datetime,
    idempotency_key: str | None,
    settings: ApiSettings,
    metrics: Metrics,
) -> tuple[InstanceRecord | TicketRecord, bool]:
    """An ordinary launch that waits in line rather than being refused for capacity.

    Returns the instance, or the learner's ticket in the waiting room, and whether it is
    new. A retry with the same ``idempotency_key`` returns the same ticket (or, once the
    ticket was admitted, its instance); a learner already waiting for this template gets
    their place back. A waiting place counts against the learner's limits as the session
    it will become, so a learner at their limit is refused (409) and never queued.
    """
    return await _counted(
        pool,
        catalog,
        slug=slug,
        owner=owner,
        duration_text=duration_text,
        now=now,
        idempotency_key=idempotency_key,
        settings=settings,
        metrics=metrics,
        for_class=None,
        may_wait=True,
    )


async def _counted(
    pool: asyncpg.Pool,
    catalog: Catalog,
    *,
    slug: str,
    owner: str,
    duration_text: str | None,
    now: datetime,
    idempotency_key: str | None,
    settings: ApiSettings,
    metrics: Metrics,
    for_class: ForClass | None,
    may_wait: bool,
) -> tuple[InstanceRecord | TicketRecord, bool]:
    template = catalog.get(slug)
    known = template.slug if template is not None else None
    try:
        if template is None or not template.enabled:
            raise NotFound(f"no template named {slug!r}", field="template")
        record, outcome = await _launch(
            pool,
            template,
            owner=owner,
            duration_text=duration_text,
            now=now,
            idempotency_key=idempotency_key,
            settings=settings,
            for_class=for_class,
            may_wait=may_wait,
        )
    except ProblemError as problem:
        metrics.launched(known, OUTCOMES.get(type(problem), "refused"))
        raise
    metrics.launched(known, outcome)
    if outcome == "queued" and isinstance(record, TicketRecord):
        metrics.queued(record.blocked_on)
    return record, outcome != "replayed"


OUTCOMES: dict[type[ProblemError], str] = {
    NotFound: "not-found",
    InvalidRequest: "invalid",
    LimitReached: "limit",
    CapacityFull: "capacity",
    ClassFull: "class-full",
}


async def _launch(
    pool: asyncpg.Pool,
    template: Template,
    *,
    owner: str,
    duration_text: str | None,
    now: datetime,
    idempotency_key: str | None,
    settings: ApiSettings,
    for_class: ForClass | None = None,
    may_wait: bool = False,
) -> tuple[InstanceRecord | TicketRecord, Outcome]:
    for _attempt in range(NAME_ATTEMPTS):
        plan = plan_launch(  # raises InvalidRequest before anything touches the database
            template,
            owner=owner,
            duration_text=duration_text,
            now=now,
            session=settings.session_tag,
            suffix=random_suffix(),
            idempotency_key=idempotency_key,
            for_class=for_class,
        )
        try:
            async with pool.acquire() as connection, connection.transaction():
                # One learner's launches queue here, so two clicks cannot both pass a limit
                # and a retried Idempotency-Key finds the first launch committed.
                await lock_owner(connection, owner)
                if idempotency_key:
                    existing = await fetch_by_idempotency_key(connection, owner, idempotency_key)
                    if existing is not None:
                        return existing, "replayed"
                return await _decide(
                    connection,
                    template,
                    plan,
                    duration_text=duration_text,
                    settings=settings,
                    for_class=for_class,
                    may_wait=may_wait,
                )
        except asyncpg.UniqueViolationError as error:
            if error.constraint_name == "instances_owner_idempotency_key" and idempotency_key:
                # Only reachable across databases' lock scopes; the key still wins.
                existing = await fetch_by_idempotency_key(pool, owner, idempotency_key)
                if existing is not None:
                    return existing, "replayed"
            continue  # a name collision: draw another suffix
    raise RuntimeError(f"could not find a free instance name in {NAME_ATTEMPTS} attempts")


async def _decide(
    connection: asyncpg.Connection,
    template: Template,
    plan: LaunchPlan,
    *,
    duration_text: str | None,
    settings: ApiSettings,
    for_class: ForClass | None,
    may_wait: bool,
) -> tuple[InstanceRecord | TicketRecord, Outcome]:
    """Under the learner's lock: replay, refuse, queue, claim or record the launch."""
    owner, now = plan.instance.owner, plan.event.occurred_at
    key = plan.instance.idempotency_key
    rules = Rules.for_template(settings, template.slug)
    standing: Standing | None = None
    if may_wait:
        standing = await fetch_standing(connection, owner, template.slug, now)
        held = await held_place(connection, owner, standing, key)
        if held is not None:
            return held, "replayed"
    if for_class is not None:
        live = await fetch_live_class_instance(connection, for_class.class_id, owner, now)
        if live is not None:
            return live, "replayed"
    if standing is not None:
        usage = standing.usage
    else:
        usage = await fetch_usage(connection, owner, template.slug, now)
    refused = refusal(usage, rules)

    async def refuse() -> ProblemError:
        assert refused is not None
        return await _refusal_problem(
            connection, refused, template, owner, now, rules, settings.max_extensions
        )

    if refused is not None and refused.is_limit:
        raise await refuse()
    if standing is not None:
        line = line_of(refused) or standing.ahead
        if line is not None:  # full, or someone waits ahead: nobody overtakes
            ticket = await enqueue_launch(
                connection,
                owner=owner,
                template_slug=template.slug,
                duration=duration_text,
                idempotency_key=key,
                blocked_on="template" if line == "template" else "capacity",
                at=now,
            )
            return ticket, "queued"
    if for_class is not None:
        # A warm instance adds nothing to the platform's load: only the learner's own
        # limits stand before a claim (docs/src/content/docs/decisions/0070).
        if refused is not None and not for_class.pooled:
            raise await refuse()
        await _take_seat(connection, for_class)
        if for_class.pooled:
            claimed = await claim(
                connection,
                template,
                class_id=for_class.class_id,
                class_ends_at=for_class.ends_at,
                owner=owner,
                now=now,
                idempotency_key=key,
            )
            if claimed is not None:
                return claimed, "claimed"
    if refused is not None:
        raise await refuse()
    record = await insert_instance_with_event(connection, plan.instance, plan.event)
    if workspacing.has_workspace(template):
        await workspacing.touch(connection, owner, template.slug, now)
    return record, "accepted"


async def _take_seat(connection: asyncpg.Connection, for_class: ForClass) -> None:
    """Under the class's lock (after the learner's: always in that order), or ``ClassFull``."""
    await lock_class(connection, for_class.class_id)
    if for_class.seats is None:
        return
    taken = await count_class_seats_taken(connection, for_class.class_id)
    if taken >= for_class.seats:
        raise ClassFull(
            f"the class is full ({for_class.seats} seats taken)",
            retry_after=60,
            rule="seats",
        )


async def _refusal_problem(
    connection: asyncpg.Connection,
    refused: Refusal,
    template: Template,
    owner: str,
    now: datetime,
    rules: Rules,
    max_extensions: int,
) -> ProblemError:
    if not refused.is_limit:
        where = "the platform" if refused.rule == "capacity" else f"template {template.slug!r}"
        return CapacityFull(
            f"{where} is at capacity ({refused.limit} running); try again later",
            retry_after=rules.retry_after,
            rule=refused.rule,
        )
    mine = await fetch_counted_for_owner(connection, owner, now)
    same = [r for r in mine if r.template_slug == template.slug]
    if not mine:  # the places the learner holds in line are what count
        return LimitReached(
            "you are already waiting in line for as many sessions as you may hold; "
            "leave the line or wait for your turn",
            rule=refused.rule,
            limit=refused.limit,
            existing=None,
        )
    existing = (same or mine)[0]
    if refused.rule == "per-template":
        detail = f"you already have {len(same)} running instance(s) of {template.slug!r}"
    else:
        detail = f"you already have {len(mine)} running instances, the most allowed"
    return LimitReached(
        f"{detail}; end one or open it",
        rule=refused.rule,
        limit=refused.limit,
        existing=InstanceBody.of(existing, max_extensions=max_extensions).model_dump(mode="json"),
    )
