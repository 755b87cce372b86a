"""Launching an instance: decide what to run, then record it and its event atomically.

``plan_launch`` is pure: template, caller, requested duration and clock in, a
complete plan out (name, deadline, resolved Workshop spec, the event). ``launch``
persists the plan: the instance row and the ``launch requested`` event go into
Postgres in one transaction (the transactional outbox), so a launch accepted
with 202 is never lost, whatever NATS is doing at that moment.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from orchestra_api.problems import InvalidRequest
from orchestra_api.records import (
    InstanceRecord,
    NewInstance,
    fetch_by_idempotency_key,
    insert_instance_with_event,
)
from orchestra_shared.durations import format_duration, parse_duration
from orchestra_shared.events import LaunchRequested
from orchestra_shared.names import instance_name, random_suffix, session_tag
from orchestra_shared.templates import Template
from orchestra_shared.workshops import spec_from_template

NAME_ATTEMPTS = 5


@dataclass(frozen=True)
class LaunchPlan:
    instance: NewInstance
    event: LaunchRequested


def requested_duration(template: Template, text: str | None) -> timedelta:
    """The duration to run for: the template's default, or what was asked within its maximum."""
    if text is None:
        return template.default_duration
    try:
        duration = parse_duration(text)
    except ValueError as error:
        raise InvalidRequest(f"duration: {error}", field="duration") from error
    if duration <= timedelta(0):
        raise InvalidRequest("duration: must be positive", field="duration")
    if duration > template.max_duration:
        raise InvalidRequest(
            f"duration: {text} is over this template's maximum of "
            f"{format_duration(template.max_duration)}",
            field="duration",
        )
    return duration


def plan_launch(
    template: Template,
    *,
    owner: str,
    duration_text: str | None,
    now: datetime,
    session: str | None,
    suffix: str,
    idempotency_key: str | None,
) -> LaunchPlan:
    duration = requested_duration(template, duration_text)
    expires_at = now + duration
    name = instance_name(template.slug, session or session_tag(now.date()), suffix)
    spec = spec_from_template(template, owner=owner, expires_at=expires_at)
    event = LaunchRequested(
        instance=name,
        owner=owner,
        occurred_at=now,
        template_slug=template.slug,
        expires_at=expires_at,
        spec=spec,
    )
    instance = NewInstance(
        name=name,
        owner=owner,
        template_slug=template.slug,
        template_name=template.name,
        resolved_spec=spec.model_dump(mode="json", by_alias=True),
        requested_duration_seconds=int(duration.total_seconds()),
        expires_at=expires_at,
        idempotency_key=idempotency_key,
    )
    return LaunchPlan(instance=instance, event=event)


async def launch(
    pool: asyncpg.Pool,
    template: Template,
    *,
    owner: str,
    duration_text: str | None,
    now: datetime,
    session: str | None,
    idempotency_key: str | None,
) -> tuple[InstanceRecord, bool]:
    """Record a launch; returns the instance and whether it is new (False: an idempotent replay)."""
    if idempotency_key:
        existing = await fetch_by_idempotency_key(pool, owner, idempotency_key)
        if existing is not None:
            return existing, False
    for _attempt in range(NAME_ATTEMPTS):
        plan = plan_launch(
            template,
            owner=owner,
            duration_text=duration_text,
            now=now,
            session=session,
            suffix=random_suffix(),
            idempotency_key=idempotency_key,
        )
        try:
            async with pool.acquire() as connection, connection.transaction():
                record = await insert_instance_with_event(connection, plan.instance, plan.event)
        except asyncpg.UniqueViolationError as error:
            if error.constraint_name == "instances_owner_idempotency_key" and idempotency_key:
                # A concurrent retry with the same key won the race: answer with its instance.
                existing = await fetch_by_idempotency_key(pool, owner, idempotency_key)
                if existing is not None:
                    return existing, False
            continue  # a name collision: draw another suffix
        return record, True
    raise RuntimeError(f"could not find a free instance name in {NAME_ATTEMPTS} attempts")
