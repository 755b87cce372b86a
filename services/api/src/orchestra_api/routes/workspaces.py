"""``/api/v1/workspaces``: my persistent workspaces, when each would be deleted, and keeping one
(docs/src/content/docs/decisions/0062)."""

from datetime import UTC, datetime

from fastapi import APIRouter, status

from orchestra_api.deps import CurrentUser, StateDep
from orchestra_api.problems import problem_responses
from orchestra_api.retention_bodies import WorkspaceBody
from orchestra_api.workspacing import Workspace, keep, my_workspaces

router = APIRouter(prefix="/api/v1/workspaces", tags=["workspaces"])


def _body(state: StateDep, workspace: Workspace) -> WorkspaceBody:
    template = state.catalog.get(workspace.template_slug)
    return WorkspaceBody.of(workspace, template.name if template else None)


@router.get(
    "",
    operation_id="listMyWorkspaces",
    response_model=list[WorkspaceBody],
    summary="My persistent workspaces, with when retention deletes each",
    responses=problem_responses(401, 403),
)
async def list_workspaces(state: StateDep, user: CurrentUser) -> list[WorkspaceBody]:
    found = await my_workspaces(
        state.pool, user.email, retention=state.settings.retention, now=datetime.now(UTC)
    )
    return [_body(state, w) for w in found]


@router.post(
    "/{template}/keep",
    status_code=status.HTTP_200_OK,
    operation_id="keepWorkspace",
    response_model=WorkspaceBody,
    summary="Keep my workspace: counts as a use now, so its retention starts again",
    description=(
        "What 'Keep my workspace' sends after a deletion warning; launching a session of "
        "the template does the same. The caller's own workspace only."
    ),
    responses=problem_responses(401, 403, 404),
)
async def keep_workspace(template: str, state: StateDep, user: CurrentUser) -> WorkspaceBody:
    kept = await keep(
        state.pool,
        user.email,
        template,
        retention=state.settings.retention,
        now=datetime.now(UTC),
    )
    return _body(state, kept)
