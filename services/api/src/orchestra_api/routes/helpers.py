"""``/api/v1/instances/{name}/helpers``: a learner lets their class's instructors into a
workshop, takes it back, and sees who came in (docs/src/content/docs/decisions/0070)."""

from datetime import UTC, datetime

from fastapi import APIRouter

from orchestra_api.deps import CurrentUser, StateDep
from orchestra_api.help_bodies import HelpBody
from orchestra_api.helping import grant, help_of, revoke
from orchestra_api.problems import problem_responses

router = APIRouter(prefix="/api/v1/instances", tags=["instances"])


@router.get(
    "/{name}/helpers",
    operation_id="getHelp",
    response_model=HelpBody,
    summary="Whether my class's instructors may open my workshop, and who did",
    responses=problem_responses(401, 403, 404, 409),
)
async def get_help(name: str, state: StateDep, user: CurrentUser) -> HelpBody:
    return HelpBody.of(await help_of(state.pool, name, user))


@router.post(
    "/{name}/helpers",
    operation_id="grantHelp",
    response_model=HelpBody,
    summary="Let my class's instructors open my workshop to help",
    description=(
        "Until revoked, an instructor of the session's class may open the workshop; the "
        "gate records each entry with who it was. Granting twice changes nothing."
    ),
    responses=problem_responses(401, 403, 404, 409),
)
async def grant_help(name: str, state: StateDep, user: CurrentUser) -> HelpBody:
    return HelpBody.of(await grant(state.pool, name, user, datetime.now(UTC)))


@router.delete(
    "/{name}/helpers",
    operation_id="revokeHelp",
    response_model=HelpBody,
    summary="Stop letting instructors into my workshop",
    description=(
        "No new ticket is issued to an instructor, and the gate refuses an instructor's "
        "open session on its next request (within the gate's re-check interval)."
    ),
    responses=problem_responses(401, 403, 404, 409),
)
async def revoke_help(name: str, state: StateDep, user: CurrentUser) -> HelpBody:
    return HelpBody.of(await revoke(state.pool, name, user, datetime.now(UTC)))
