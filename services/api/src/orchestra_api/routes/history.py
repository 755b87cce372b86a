"""``/api/v1/history``: the caller's ended instances, newest first, a page at a time."""

from fastapi import APIRouter

from orchestra_api.bodies import InstanceBody, InstancePage
from orchestra_api.deps import CurrentUser, Cursor, PageLimit, StateDep
from orchestra_api.problems import problem_responses
from orchestra_api.viewing import my_ended_instances

router = APIRouter(prefix="/api/v1/history", tags=["instances"])


@router.get(
    "",
    operation_id="listMyEndedInstances",
    response_model=InstancePage,
    summary="My ended instances",
    responses=problem_responses(401, 403, 422),
)
async def list_history(
    state: StateDep, user: CurrentUser, limit: PageLimit, cursor: Cursor = None
) -> InstancePage:
    records, after = await my_ended_instances(state.pool, user, cursor=cursor, limit=limit)
    return InstancePage(
        items=[InstanceBody.of(r, max_extensions=state.settings.max_extensions) for r in records],
        next=after,
    )
