"""``/api/v1/events``: the caller's live stream of phase changes and expiry warnings (SSE).

A reconnecting client names the last event it saw (``Last-Event-ID``, which
browsers send by themselves, or ``last_event_id`` for a client that opens a new
connection) and gets what it missed first (``replaying``). The OpenAPI document
describes every event: its ``event`` name, its ``id`` and its ``data`` as JSON
of a documented schema.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from orchestra_api.deps import CurrentUser, StateDep
from orchestra_api.problems import Forbidden, problem_responses
from orchestra_api.replaying import last_seen, missed_notices
from orchestra_api.streaming import HELLO, RESYNC, event_stream

router = APIRouter(prefix="/api/v1/events", tags=["events"])

SSE_DESCRIPTION = f"""Server-sent events, newest state pushed as it happens.

- `event: status`: `data` is a `StatusChanged` (phase, reason, message, url, transitioned_at).
- `event: expiring`: `data` is an `Expiring` warning (expires_at, lead_seconds: 900, 300).
- `event: idle`: `data` is an `IdleWarning` (idle_since, ends_at): no activity lately; the
  session ends at `ends_at` unless kept (`POST /api/v1/instances/{{name}}/keep`).
- `event: {RESYNC}`: what was missed cannot be replayed; re-read `/api/v1/instances`.
- `event: {HELLO}`: first on a new stream (not a replay): its `id` is where the stream
  starts, so a client that drops before any other event still reconnects with an id.

`id` is the event's sequence in the platform's event store. Reconnect with the
`Last-Event-ID` header (EventSource does) or the `last_event_id` parameter and every
event after it is sent first, in order; then the stream goes on live."""


def sse_event(name: str, data_schema: dict[str, Any], *, with_id: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "event": {"const": name},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": data_schema,
        },
        "retry": {"type": "integer", "minimum": 0},
    }
    if with_id:
        properties["id"] = {"type": "string", "pattern": "^[0-9]+$"}
    return {
        "type": "object",
        "title": f"{name.title()}Event",
        "required": ["event", "data", *(["id"] if with_id else [])],
        "properties": properties,
    }


EVENT_SCHEMA = {
    "oneOf": [
        sse_event("status", {"$ref": "#/components/schemas/StatusChanged"}, with_id=True),
        sse_event("expiring", {"$ref": "#/components/schemas/Expiring"}, with_id=True),
        sse_event("idle", {"$ref": "#/components/schemas/IdleWarning"}, with_id=True),
        sse_event(
            HELLO,
            {
                "type": "object",
                "required": ["position"],
                "properties": {"position": {"type": "integer", "minimum": 0}},
            },
            with_id=True,
        ),
        sse_event(
            RESYNC,
            {
                "type": "object",
                "required": ["reason"],
                "properties": {"reason": {"type": "string"}},
            },
            with_id=False,
        ),
    ]
}


@router.get(
    "",
    operation_id="streamMyEvents",
    summary="Live phase changes, expiry and idle warnings",
    description=SSE_DESCRIPTION,
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "An endless text/event-stream; each event as described.",
            "content": {
                "text/event-stream": {
                    "schema": EVENT_SCHEMA,
                    "example": 'id: 42\nevent: status\ndata: {"phase": "Ready", …}\n\n',
                }
            },
        },
        **problem_responses(401, 403, 422),
    },
)
async def stream_events(
    state: StateDep,
    user: CurrentUser,
    scope: Annotated[
        str, Query(pattern="^(mine|all)$", description="'all' (admins only): every learner's.")
    ] = "mine",
    last_event_id: Annotated[
        str | None,
        Query(max_length=40, description="Replay every event after this id first."),
    ] = None,
    last_event_id_header: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            max_length=40,
            description="Sent by EventSource on its reconnects; as `last_event_id`.",
        ),
    ] = None,
) -> StreamingResponse:
    if scope == "all" and not user.is_admin:
        raise Forbidden("only admins may stream every learner's events")
    owner = None if scope == "all" else user.email
    listener = state.hub.listen(owner)  # before the replay: nothing falls between the two
    position = state.hub.position  # read in the same step: the hello's id is exact
    after = last_seen(last_event_id_header or last_event_id)
    backlog = None
    if after is not None:
        backlog = missed_notices(
            state.hub.jetstream,
            owner,
            after,
            limit=state.settings.events_replay_limit,
            timeout=state.settings.events_replay_timeout,
        )
    return StreamingResponse(
        event_stream(
            state.hub,
            listener,
            heartbeat=state.settings.events_heartbeat,
            backlog=backlog,
            position=position,
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
