"""``/api/v1/classes/{id}/events``: the class live, for its instructors (SSE).

Every phase change, join, waiting-room move, consent change, warning and gate activity
of the class's learners arrives as an ``event: roster`` (``supervising.RosterNudge``);
the dashboard reads the roster again when one comes. Nothing is replayed on reconnect:
the roster is a query, so a reconnecting view simply reads it again
(docs/src/content/docs/decisions/0070).
"""

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from orchestra_api.deps import CurrentUser, StateDep
from orchestra_api.problems import problem_responses
from orchestra_api.routes.events import sse_event
from orchestra_api.streaming import event_stream
from orchestra_api.supervising import ROSTER
from orchestra_api.teaching import taught_class

router = APIRouter(prefix="/api/v1/classes", tags=["classes"])

CLASS_EVENT_SCHEMA = {
    "oneOf": [
        sse_event(ROSTER, {"$ref": "#/components/schemas/RosterNudge"}, with_id=True),
    ]
}


@router.get(
    "/{class_id}/events",
    operation_id="streamClassEvents",
    summary="The class live: what changed for its learners, as it happens (instructors)",
    description=(
        "Server-sent events. `event: roster`: `data` is a `RosterNudge` (what changed, for "
        "which learner). Read the roster again (`GET /api/v1/classes/{class_id}`) on each; "
        "after a reconnect, read it again too (nothing is replayed)."
    ),
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "An endless text/event-stream of roster notices.",
            "content": {"text/event-stream": {"schema": CLASS_EVENT_SCHEMA}},
        },
        **problem_responses(401, 403, 404),
    },
)
async def stream_class_events(
    class_id: str, state: StateDep, user: CurrentUser
) -> StreamingResponse:
    klass = await taught_class(state.pool, class_id, user)
    listener = state.hub.listen_class(klass.id)
    return StreamingResponse(
        event_stream(state.hub, listener, heartbeat=state.settings.events_heartbeat),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
