"""Planning a launch: what to run, for whom and until when, decided before any I/O.

``plan_launch`` is pure: template, caller, requested duration and clock in, a
complete plan out (name, deadline, resolved Workshop spec for the instance row, the
event, which names the template and never carries the spec:
docs/src/content/docs/decisions/0052). ``launching`` records it once the limits agree.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from orchestra_api.cohorts import ClassRecord
from orchestra_api.problems import InvalidRequest
from orchestra_api.records import NewInstance
from orchestra_shared.durations import format_duration, parse_duration
from orchestra_shared.events import LaunchRequested
from orchestra_shared.names import instance_name, session_tag
from orchestra_shared.templates import Template
from orchestra_shared.workshops import spec_from_template


@dataclass(frozen=True)
class ForClass:
    """A launch for a class (docs/src/content/docs/decisions/0070): its session tag, its seats, when it ends."""

    class_id: str
    session_tag: str
    seats: int | None
    ends_at: datetime
    pooled: bool = False
    """The class has a warm pool: a Ready instance of it is claimed before one is started."""

    @classmethod
    def of(cls, klass: ClassRecord) -> "ForClass":
        return cls(
            class_id=klass.id,
            session_tag=klass.session_tag,
            seats=klass.seats,
            ends_at=klass.ends_at,
            pooled=klass.pool_size > 0,
        )


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


def _seconds(value: timedelta) -> int:
    return int(value.total_seconds())


def plan_launch(
    template: Template,
    *,
    owner: str,
    duration_text: str | None,
    now: datetime,
    session: str | None,
    suffix: str,
    idempotency_key: str | None,
    for_class: ForClass | None = None,
) -> LaunchPlan:
    duration = requested_duration(template, duration_text)
    expires_at = now + duration
    if for_class is not None:
        # A class's session ends with the class at the latest.
        session = for_class.session_tag
        if now < for_class.ends_at < expires_at:
            expires_at = for_class.ends_at
            duration = expires_at - now
    name = instance_name(template.slug, session or session_tag(now.date()), suffix)
    spec = spec_from_template(template, owner=owner, expires_at=expires_at)
    event = LaunchRequested(
        instance=name,
        owner=owner,
        occurred_at=now,
        template_slug=template.slug,
        expires_at=expires_at,
        startup_timeout_seconds=spec.startup_timeout_seconds,
        idle_timeout_seconds=_seconds(template.idle.timeout) if template.idle else None,
        idle_warning_seconds=_seconds(template.idle.warning) if template.idle else None,
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
        max_duration_seconds=int(template.max_duration.total_seconds()),
        class_id=for_class.class_id if for_class is not None else None,
    )
    return LaunchPlan(instance=instance, event=event)
