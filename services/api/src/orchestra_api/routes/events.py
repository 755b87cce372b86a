"""``/api/v1/events``: the caller's live stream of phase changes and expiry warnings (SSE)."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from orchestra_api.deps import CurrentUser, StateDep
from orchestra_api.problems import Forbidden, problem_responses
from orchestra_api.streaming import event_stream

router = APIRouter(prefix="/api/v1/events", tags=["events"])

SSE_DESCRIPTION = """Server-sent events. `event: status` carries a `status.changed` event
(phase, reason, message, url, transitioned_at); `event: expiring` an `expiry.expiring` one
(expires_at, lead_seconds). `id` is the event id. Events missed while disconnected are not
replayed: re-read `/api/v1/instances` after a reconnect."""


@router.get(
    "",
    operation_id="streamMyEvents",
    summary="Live phase changes and expiry warnings",
    description=SSE_DESCRIPTION,
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "An endless text/event-stream.",
            "content": {
                "text/event-stream": {
                    "schema": {"type": "string"},
                    "example": 'id: 8c0e…\nevent: status\ndata: {"phase": "Ready", …}\n\n',
                }
            },
        },
        **problem_responses(401, 403),
    },
)
async def stream_events(
    state: StateDep,
    user: CurrentUser,
    scope: Annotated[
        str, Query(pattern="^(mine|all)$", description="'all' (admins only): every learner's.")
    ] = "mine",
) -> StreamingResponse:
    if scope == "all" and not user.is_admin:
        raise Forbidden("only admins may stream every learner's events")
    listener = state.hub.listen(None if scope == "all" else user.email)
    return StreamingResponse(
        event_stream(state.hub, listener, heartbeat=state.settings.events_heartbeat),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
