"""``/api/v1/instances``: launch, read, history and early termination."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from orchestra_api.bodies import HistoryBody, HistoryEntryBody, InstanceBody, LaunchBody
from orchestra_api.deps import CurrentUser, StateDep
from orchestra_api.identities import Identity
from orchestra_api.launching import launch
from orchestra_api.problems import NotFound
from orchestra_api.records import (
    InstanceRecord,
    fetch_active_for_owner,
    fetch_history,
    fetch_instance,
)
from orchestra_api.terminating import request_termination

router = APIRouter(prefix="/api/v1/instances", tags=["instances"])


def instance_body(record: InstanceRecord) -> InstanceBody:
    return InstanceBody(
        name=record.name,
        owner=record.owner,
        template=record.template_slug,
        template_name=record.template_name,
        phase=record.phase,  # only phases are ever written
        reason=record.reason,
        message=record.message,
        url=record.url,
        created_at=record.created_at,
        expires_at=record.expires_at,
        ready_at=record.ready_at,
        terminated_at=record.terminated_at,
        extensions=record.extensions,
    )


async def visible_instance(state: StateDep, user: Identity, name: str) -> InstanceRecord:
    """The instance if the caller may see it; another learner's is 404, like a missing one."""
    record = await fetch_instance(state.pool, name)
    if record is None or (record.owner != user.email and not user.is_admin):
        raise NotFound(f"no instance named {name!r}")
    return record


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="launchInstance",
    response_model=InstanceBody,
)
async def launch_instance(
    body: LaunchBody,
    state: StateDep,
    user: CurrentUser,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> InstanceBody:
    template = state.catalog.get(body.template)
    if template is None or not template.enabled:
        raise NotFound(f"no template named {body.template!r}", field="template")
    record, created = await launch(
        state.pool,
        template,
        owner=user.email,
        duration_text=body.duration,
        now=datetime.now(UTC),
        session=state.settings.session_tag,
        idempotency_key=idempotency_key,
    )
    response.headers["Location"] = f"/api/v1/instances/{record.name}"
    if not created:
        response.status_code = status.HTTP_200_OK
    return instance_body(record)


@router.get("", operation_id="listMyInstances", response_model=list[InstanceBody])
async def list_instances(state: StateDep, user: CurrentUser) -> list[InstanceBody]:
    return [instance_body(r) for r in await fetch_active_for_owner(state.pool, user.email)]


@router.get("/{name}", operation_id="getInstance", response_model=InstanceBody)
async def get_instance(name: str, state: StateDep, user: CurrentUser) -> InstanceBody:
    return instance_body(await visible_instance(state, user, name))


@router.get("/{name}/history", operation_id="getInstanceHistory", response_model=HistoryBody)
async def get_history(name: str, state: StateDep, user: CurrentUser) -> HistoryBody:
    record = await visible_instance(state, user, name)
    transitions = await fetch_history(state.pool, record.name)
    return HistoryBody(
        instance=record.name,
        transitions=[
            HistoryEntryBody(
                phase=t.phase,
                reason=t.reason,
                message=t.message,
                transitioned_at=t.transitioned_at,
            )
            for t in transitions
        ],
    )


@router.delete(
    "/{name}",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="terminateInstance",
    response_model=InstanceBody,
)
async def terminate_instance(name: str, state: StateDep, user: CurrentUser) -> InstanceBody:
    record = await visible_instance(state, user, name)
    if record.phase != "Terminated":
        await request_termination(
            state.pool,
            record,
            reason="user" if record.owner == user.email else "admin",
            requested_by=user.email,
            now=datetime.now(UTC),
        )
    return instance_body(record)
