"""Creating a class and joining one (docs/src/content/docs/decisions/0070).

``plan_class`` is pure: what was asked, who asks, the catalog and the clock in; a
complete class (random id, join code, session tag) or an ``InvalidRequest`` out.
``join`` makes the learner a member and then either launches their session of the
class's template (``launching.launch`` with the class's session tag and seats) or, when
the seats or the platform's capacity are taken (or someone is already waiting), gives
them a place in the waiting room (``queueing``). A class's creation is audited
(``journaling``) with its insert. Called by ``routes.classes``.
"""

import re
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from orchestra_api import journaling
from orchestra_api.cohorts import (
    ClassRecord,
    NewClass,
    add_member,
    fetch_class_by_code,
    insert_class,
)
from orchestra_api.config import ApiSettings
from orchestra_api.identities import Identity
from orchestra_api.launching import launch
from orchestra_api.metering import Metrics
from orchestra_api.planning import ForClass
from orchestra_api.pooling import is_poolable, pool_target
from orchestra_api.problems import (
    CapacityFull,
    ClassClosed,
    ClassFull,
    Forbidden,
    InvalidRequest,
    NotFound,
)
from orchestra_api.queueing import Place, place_of, wait_in_line
from orchestra_api.records import InstanceRecord, add_to_outbox
from orchestra_api.tickets import fetch_waiting_ticket, waiting_ahead
from orchestra_shared.catalogs import Catalog
from orchestra_shared.events import RosterChanged
from orchestra_shared.names import RANDOM_ALPHABET, random_suffix
from orchestra_shared.owners import normalise_owner
from orchestra_shared.templates import Template

SESSION_TAG = re.compile(r"^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$")
CODE_LENGTH = 8
ID_LENGTH = 10
CREATE_ATTEMPTS = 5
DEFAULT_POOL_SECONDS = 15 * 60


@dataclass(frozen=True)
class WarmPoolRequest:
    """A class's warm pool as asked (docs/src/content/docs/decisions/0070); ``size`` None: the expected size."""

    size: int | None
    lead_seconds: int
    grace_seconds: int


@dataclass(frozen=True)
class ClassRequest:
    title: str
    template: str
    starts_at: datetime
    ends_at: datetime
    expected_size: int
    seats: int | None
    session_tag: str | None
    instructor_emails: list[str]
    instructor_groups: list[str]
    warm_pool: WarmPoolRequest | None = None
    help_without_consent: bool = False


def plan_pool(
    asked: WarmPoolRequest | None, template: Template, *, expected_size: int, pool_max: int
) -> tuple[int, int, int]:
    """(size, lead seconds, grace seconds) of the class's pool; size 0: none (pure)."""
    if asked is None:
        return 0, DEFAULT_POOL_SECONDS, DEFAULT_POOL_SECONDS
    size = pool_target(asked.size, expected_size)
    if size > 0 and not is_poolable(template):
        raise InvalidRequest(
            f"warm_pool: template {template.slug!r} keeps a persistent workspace in each "
            "learner's namespace, which a warm instance cannot mount; it cannot be pooled",
            field="warm_pool",
        )
    if size > pool_max:
        raise InvalidRequest(
            f"warm_pool.size: at most {pool_max} warm instances per class on this platform",
            field="warm_pool.size",
        )
    return size, asked.lead_seconds, asked.grace_seconds


def may_create_classes(user: Identity, settings: ApiSettings) -> bool:
    return user.is_admin or settings.instructor_group in user.groups


def normalise_code(text: str) -> str:
    """What a learner typed, as stored: lower case, without spaces or dashes."""
    return re.sub(r"[\s-]+", "", text).lower()


def plan_class(
    request: ClassRequest,
    *,
    creator: str,
    catalog: Catalog,
    now: datetime,
    draw: str,
    pool_max: int = 200,
) -> NewClass:
    """The class to insert; ``draw`` is random text (id, code, default tag) from the caller."""
    template = catalog.get(request.template)
    if template is None or not template.enabled:
        raise NotFound(f"no template named {request.template!r}", field="template")
    if request.ends_at <= request.starts_at:
        raise InvalidRequest("ends_at: must be after starts_at", field="ends_at")
    if request.ends_at <= now:
        raise InvalidRequest("ends_at: must be in the future", field="ends_at")
    if request.seats is not None and request.seats < 1:
        raise InvalidRequest("seats: must be at least 1", field="seats")
    tag = request.session_tag or (
        f"{request.starts_at.month:02d}{request.starts_at.day:02d}-{draw[:4]}"
    )
    if not SESSION_TAG.match(tag):
        raise InvalidRequest(
            "session_tag: 1 to 12 of a-z, 0-9 and '-', starting and ending with a letter or digit",
            field="session_tag",
        )
    emails = sorted({normalise_owner(e) for e in [*request.instructor_emails, creator] if e})
    pool_size, lead, grace = plan_pool(
        request.warm_pool, template, expected_size=request.expected_size, pool_max=pool_max
    )
    return NewClass(
        id=draw[4 : 4 + ID_LENGTH],
        title=request.title.strip(),
        template_slug=template.slug,
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        expected_size=request.expected_size,
        seats=request.seats,
        session_tag=tag,
        join_code=draw[4 + ID_LENGTH : 4 + ID_LENGTH + CODE_LENGTH],
        instructor_emails=emails,
        instructor_groups=sorted({g.strip() for g in request.instructor_groups if g.strip()}),
        created_by=creator,
        pool_size=pool_size,
        pool_lead_seconds=lead,
        pool_grace_seconds=grace,
        help_without_consent=request.help_without_consent,
    )


async def create_class(
    pool: asyncpg.Pool,
    catalog: Catalog,
    request: ClassRequest,
    *,
    user: Identity,
    settings: ApiSettings,
    now: datetime,
) -> ClassRecord:
    if not may_create_classes(user, settings):
        raise Forbidden(
            f"creating a class needs an admin or a member of {settings.instructor_group!r}"
        )
    for _attempt in range(CREATE_ATTEMPTS):
        draw = random_suffix(4 + ID_LENGTH + CODE_LENGTH)
        new = plan_class(
            request,
            creator=user.email,
            catalog=catalog,
            now=now,
            draw=draw,
            pool_max=settings.warm_pool_max,
        )
        try:
            async with pool.acquire() as connection, connection.transaction():
                klass = await insert_class(connection, new)
                await journaling.record(
                    connection,
                    actor=user.email,
                    role="admin" if user.is_admin else "instructor",
                    action="class.create",
                    target_kind="class",
                    target=klass.id,
                    at=now,
                    details={"title": klass.title, "template": klass.template_slug},
                )
            return klass
        except asyncpg.UniqueViolationError as error:
            if request.session_tag and "session_tag" in (error.constraint_name or ""):
                raise InvalidRequest(
                    f"session_tag: {request.session_tag!r} is taken by another class",
                    field="session_tag",
                ) from error
            continue  # a random id, code or tag collided: draw again
    raise RuntimeError(f"could not draw a free class id in {CREATE_ATTEMPTS} attempts")


@dataclass(frozen=True)
class Joined:
    """The outcome of a join: a session, or a place in line."""

    klass: ClassRecord
    instance: InstanceRecord | None
    place: Place | None


async def join(
    pool: asyncpg.Pool,
    catalog: Catalog,
    *,
    code: str,
    user: Identity,
    now: datetime,
    settings: ApiSettings,
    metrics: Metrics,
) -> Joined:
    wanted = normalise_code(code)
    klass = (
        await fetch_class_by_code(pool, wanted)
        if wanted and set(wanted) <= set(RANDOM_ALPHABET)
        else None
    )
    if klass is None:
        raise NotFound("no class has that join code", field="code")
    if not klass.is_open(now):
        raise ClassClosed(f"the class {klass.title!r} has ended")
    async with pool.acquire() as connection, connection.transaction():
        if await add_member(connection, klass.id, user.email, now):
            # The instructors' live view hears of a newcomer (docs/src/content/docs/decisions/0070).
            await add_to_outbox(
                connection,
                RosterChanged(owner=user.email, class_id=klass.id, occurred_at=now, what="joined"),
            )
    waiting = await fetch_waiting_ticket(pool, klass.id, user.email)
    if waiting is not None:
        return Joined(
            klass=klass, instance=None, place=await place_of(pool, klass, user.email, now)
        )
    ahead = await waiting_ahead(pool, klass.id, klass.template_slug)
    if ahead is not None:  # nobody overtakes the line
        return Joined(
            klass=klass,
            instance=None,
            place=await wait_in_line(pool, klass, user.email, ahead, now, metrics=metrics),
        )
    try:
        record, _ = await launch(
            pool,
            catalog,
            slug=klass.template_slug,
            owner=user.email,
            duration_text=None,
            now=now,
            idempotency_key=None,
            settings=settings,
            metrics=metrics,
            for_class=ForClass.of(klass),
        )
    except ClassFull:
        place = await wait_in_line(pool, klass, user.email, "seats", now, metrics=metrics)
        return Joined(klass=klass, instance=None, place=place)
    except CapacityFull as full:
        line = "template" if full.extensions.get("rule") == "template-capacity" else "capacity"
        place = await wait_in_line(pool, klass, user.email, line, now, metrics=metrics)
        return Joined(klass=klass, instance=None, place=place)
    return Joined(klass=klass, instance=record, place=None)
