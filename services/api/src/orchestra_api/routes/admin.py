"""``/api/v1/admin``: every learner's instances, launch statistics, terminating any instance,
the audit of admin and instructor actions, and the catalog as its files."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, status

from orchestra_api.bodies import (
    IdleSessionBody,
    InstanceBody,
    InstancePage,
    StatsBody,
    TemplateSourceBody,
    TemplateStatsBody,
)
from orchestra_api.deps import AdminUser, Cursor, PageLimit, StateDep
from orchestra_api.journaling import ACTIONS, Filters, entries
from orchestra_api.keeping import idle_sessions
from orchestra_api.problems import InvalidRequest, problem_responses
from orchestra_api.retention_bodies import AuditEntryBody, AuditPage
from orchestra_api.routes.templates import template_body
from orchestra_api.terminating import terminate
from orchestra_api.viewing import all_instances, launch_stats
from orchestra_shared.phases import Phase

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


@router.get(
    "/instances",
    operation_id="adminListInstances",
    response_model=InstancePage,
    summary="All instances, filtered, newest first",
    responses=problem_responses(401, 403, 422),
)
async def list_all_instances(
    state: StateDep,
    admin: AdminUser,
    limit: PageLimit,
    cursor: Cursor = None,
    user: Annotated[str | None, Query(max_length=320, description="Owner's email.")] = None,
    template: Annotated[str | None, Query(max_length=100, description="Template slug.")] = None,
    phase: Phase | None = None,
) -> InstancePage:
    records, after = await all_instances(
        state.pool, owner=user, template=template, phase=phase, cursor=cursor, limit=limit
    )
    return InstancePage(
        items=[InstanceBody.of(r, max_extensions=state.settings.max_extensions) for r in records],
        next=after,
    )


@router.get(
    "/idle-sessions",
    operation_id="adminListIdleSessions",
    response_model=list[IdleSessionBody],
    summary="Running sessions without activity, the soonest to be ended first",
    description=(
        "Sessions whose template has an idle timeout and that saw no activity for at least "
        "`quiet_seconds` (default 300); each says when its learner is warned and when it ends."
    ),
    responses=problem_responses(401, 403, 422),
)
async def list_idle_sessions(
    state: StateDep,
    admin: AdminUser,
    limit: PageLimit,
    quiet_seconds: Annotated[
        int, Query(ge=0, le=7 * 86400, description="Seconds without activity, at least.")
    ] = 300,
) -> list[IdleSessionBody]:
    since = datetime.now(UTC) - timedelta(seconds=quiet_seconds)
    return [
        IdleSessionBody(
            name=s.name,
            owner=s.owner,
            template=s.template,
            last_active_at=s.last_active_at,
            warning_at=s.warning_at,
            ends_at=s.ends_at,
            warned=s.warned,
        )
        for s in await idle_sessions(state.pool, quiet_since=since, limit=limit)
    ]


@router.get(
    "/stats",
    operation_id="adminLaunchStats",
    response_model=StatsBody,
    summary="Per template: launches, active now, unique users, time to Ready",
    responses=problem_responses(401, 403, 422),
)
async def stats(
    state: StateDep,
    admin: AdminUser,
    since: Annotated[
        datetime | None, Query(description="Count launches from this time (ISO 8601).")
    ] = None,
) -> StatsBody:
    rows = await launch_stats(state.pool, since=since)
    return StatsBody(
        since=since,
        templates=[
            TemplateStatsBody(
                template=r.template,
                launches=r.launches,
                active=r.active,
                unique_users=r.unique_users,
                median_seconds_to_ready=r.median_seconds_to_ready,
                p95_seconds_to_ready=r.p95_seconds_to_ready,
            )
            for r in rows
        ],
    )


@router.delete(
    "/instances/{name}",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="adminTerminateInstance",
    response_model=InstanceBody,
    summary="End any learner's instance (reason 'admin')",
    responses=problem_responses(401, 403, 404),
)
async def admin_terminate(name: str, state: StateDep, admin: AdminUser) -> InstanceBody:
    record = await terminate(state.pool, name=name, user=admin, now=datetime.now(UTC))
    return InstanceBody.of(record, max_extensions=state.settings.max_extensions)


@router.get(
    "/templates",
    operation_id="adminListTemplates",
    response_model=list[TemplateSourceBody],
    summary="The catalog as loaded, disabled templates included, each with its file",
    responses=problem_responses(401, 403),
)
async def list_template_sources(state: StateDep, admin: AdminUser) -> list[TemplateSourceBody]:
    catalog = state.catalog
    bodies = []
    for template in catalog.visible(admin=True):
        source = catalog.sources.get(template.slug)
        bodies.append(
            TemplateSourceBody(
                **template_body(template).model_dump(),
                file=source.file if source else "",
                yaml=source.text if source else "",
            )
        )
    return bodies


@router.get(
    "/audit",
    operation_id="adminListAudit",
    response_model=AuditPage,
    summary="What admins and instructors did, newest first, filtered",
    description=(
        "Every admin or instructor action on what is not theirs (ending or extending a "
        "learner's session, creating, extending, ending or messaging a class), recorded "
        "with the action itself; kept for `ORCHESTRA_RETENTION_AUDIT`."
    ),
    responses=problem_responses(401, 403, 422),
)
async def list_audit(
    state: StateDep,
    admin: AdminUser,
    limit: PageLimit,
    cursor: Cursor = None,
    actor: Annotated[str | None, Query(max_length=320, description="Who acted.")] = None,
    action: Annotated[
        str | None, Query(max_length=40, description=f"One of: {', '.join(ACTIONS)}.")
    ] = None,
    target: Annotated[
        str | None, Query(max_length=100, description="An instance's name or a class's id.")
    ] = None,
    subject: Annotated[
        str | None, Query(max_length=320, description="The learner concerned.")
    ] = None,
    since: Annotated[datetime | None, Query(description="From this time (ISO 8601).")] = None,
    until: Annotated[datetime | None, Query(description="Before this time (ISO 8601).")] = None,
) -> AuditPage:
    if action is not None and action not in ACTIONS:
        raise InvalidRequest(f"action: one of {', '.join(ACTIONS)}", field="action")
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidRequest(f"{name}: give a time zone (Z or +hh:mm)", field=name)
    before: int | None = None
    if cursor:
        if not cursor.isdigit() or len(cursor) > 18:
            raise InvalidRequest("cursor: not a cursor this api handed out", field="cursor")
        before = int(cursor)
    page, after = await entries(
        state.pool,
        Filters(
            actor=actor, action=action, target=target, subject=subject, since=since, until=until
        ),
        before=before,
        limit=limit,
    )
    return AuditPage(
        items=[AuditEntryBody.of(e) for e in page], next=str(after) if after is not None else None
    )
