"""``/api/v1/instances``: launch (or wait in line), read, extend, history and early termination."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from fastapi.responses import RedirectResponse

from orchestra_api.bodies import (
    INSTANCE_EXAMPLE,
    ExtendBody,
    HistoryBody,
    HistoryEntryBody,
    IdleStateBody,
    InstanceBody,
    KeptBody,
    LaunchBody,
    OpenBody,
)
from orchestra_api.deps import CurrentUser, StateDep
from orchestra_api.extending import extend
from orchestra_api.keeping import IdleState, idle_states, keep
from orchestra_api.launching import launch, launch_or_wait
from orchestra_api.opening import open_instance
from orchestra_api.placing import place_of_ticket
from orchestra_api.problems import problem_responses
from orchestra_api.records import InstanceRecord
from orchestra_api.terminating import terminate
from orchestra_api.ticket_bodies import TICKET_EXAMPLE, WaitingTicketBody, ticket_url
from orchestra_api.tickets import TicketRecord
from orchestra_api.tracing import annotate_span
from orchestra_api.viewing import instance_history, my_instances, visible_instance

router = APIRouter(prefix="/api/v1/instances", tags=["instances"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="launchInstance",
    response_model=InstanceBody | WaitingTicketBody,
    summary="Launch a workshop, or wait in line for one when the platform is full",
    description=(
        "202 with the instance (``Location: /api/v1/instances/{name}``) when it starts; "
        "202 with a waiting ticket (``state: waiting``, ``position``, ``estimate_seconds``, "
        "``Location`` and ``url`` under ``/api/v1/waiting-room/``) when the platform's or "
        "the template's capacity is reached, or others already wait for it: nobody "
        "overtakes the line. Tell them apart by ``ticket`` (a ticket has one, an instance "
        "never) or by the ``Location``. The ticket moves live (``waiting`` events on "
        "``/api/v1/events``) and becomes the instance when admitted. With "
        "``wait_in_line: false`` a full platform is a 429, as for a client that retries "
        "by itself. Per-learner limits are a 409 either way: a place in line counts as "
        "the session it will become."
    ),
    responses={
        200: {
            "description": (
                "A retry with the same Idempotency-Key (the instance launched first, or the "
                "ticket it waits with), or the learner's place already held for this template."
            ),
            "model": InstanceBody | WaitingTicketBody,
        },
        202: {
            "description": "Launched (an instance), or waiting in line (a ticket).",
            "content": {
                "application/json": {
                    "examples": {
                        "launched": {"value": INSTANCE_EXAMPLE},
                        "waiting": {"value": TICKET_EXAMPLE},
                    }
                }
            },
        },
        **problem_responses(400, 401, 403, 404, 409, 422, 429),
    },
)
async def launch_instance(
    body: LaunchBody,
    state: StateDep,
    user: CurrentUser,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=200,
            description="Makes retries safe: the same key returns the same instance or ticket.",
        ),
    ] = None,
) -> InstanceBody | WaitingTicketBody:
    now = datetime.now(UTC)
    run = launch_or_wait if body.wait_in_line else launch
    outcome, created = await run(
        state.pool,
        state.catalog,
        slug=body.template,
        owner=user.email,
        duration_text=body.duration,
        now=now,
        idempotency_key=idempotency_key,
        settings=state.settings,
        metrics=state.metrics,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    if isinstance(outcome, TicketRecord):
        state.admitter.wake()  # room may have freed since the line last moved
        response.headers["Location"] = ticket_url(outcome.id)
        place = await place_of_ticket(state.pool, outcome.id, now)
        return WaitingTicketBody.of(outcome, place)
    annotate_span(outcome.name, outcome.template_slug)
    response.headers["Location"] = f"/api/v1/instances/{outcome.name}"
    return InstanceBody.of(outcome, max_extensions=state.settings.max_extensions)


@router.get(
    "",
    operation_id="listMyInstances",
    response_model=list[InstanceBody],
    summary="My instances that have not ended",
    responses=problem_responses(401, 403),
)
async def list_instances(state: StateDep, user: CurrentUser) -> list[InstanceBody]:
    return await _with_idle_state(state, await my_instances(state.pool, user))


async def _with_idle_state(state: StateDep, records: list[InstanceRecord]) -> list[InstanceBody]:
    """The bodies, each running one with its idle rule's state (expiry's, read only)."""
    running = [r.name for r in records if r.phase == "Ready" and not r.terminate_requested_at]
    states = await idle_states(state.pool, running)
    return [
        InstanceBody.of(
            r, max_extensions=state.settings.max_extensions, idle=_idle_body(states.get(r.name))
        )
        for r in records
    ]


def _idle_body(idle: IdleState | None) -> IdleStateBody | None:
    if idle is None:
        return None
    return IdleStateBody(
        last_active_at=idle.last_active_at,
        warning_at=idle.warning_at,
        ends_at=idle.ends_at,
        warned=idle.warned,
    )


@router.get(
    "/{name}",
    operation_id="getInstance",
    response_model=InstanceBody,
    responses=problem_responses(401, 403, 404),
)
async def get_instance(name: str, state: StateDep, user: CurrentUser) -> InstanceBody:
    [body] = await _with_idle_state(state, [await visible_instance(state.pool, user, name)])
    return body


@router.get(
    "/{name}/history",
    operation_id="getInstanceHistory",
    response_model=HistoryBody,
    summary="Phase transitions of one instance, with the cluster's times",
    responses=problem_responses(401, 403, 404),
)
async def get_history(name: str, state: StateDep, user: CurrentUser) -> HistoryBody:
    record, transitions = await instance_history(state.pool, user, name)
    return HistoryBody(
        instance=record.name,
        transitions=[
            HistoryEntryBody(
                phase=t.phase,  # only phases are ever written
                reason=t.reason,
                message=t.message,
                transitioned_at=t.transitioned_at,
            )
            for t in transitions
        ],
    )


@router.post(
    "/{name}/extend",
    operation_id="extendInstance",
    response_model=InstanceBody,
    summary="Move the deadline later, within the template's maximum",
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
async def extend_instance(
    name: str, body: ExtendBody, state: StateDep, user: CurrentUser
) -> InstanceBody:
    record = await extend(
        state.pool,
        state.catalog,
        name=name,
        by_text=body.by,
        user=user,
        now=datetime.now(UTC),
        max_extensions=state.settings.max_extensions,
    )
    return InstanceBody.of(record, max_extensions=state.settings.max_extensions)


@router.delete(
    "/{name}",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="terminateInstance",
    response_model=InstanceBody,
    summary="End an instance early (the cluster follows)",
    responses=problem_responses(401, 403, 404),
)
async def terminate_instance(name: str, state: StateDep, user: CurrentUser) -> InstanceBody:
    record = await terminate(state.pool, name=name, user=user, now=datetime.now(UTC))
    return InstanceBody.of(record, max_extensions=state.settings.max_extensions)


@router.post(
    "/{name}/keep",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="keepInstance",
    response_model=KeptBody,
    summary="Keep my idle session: counts as activity now",
    description=(
        "What 'Keep my session' sends after an idle warning: the session's idle clock "
        "restarts from now (expiry owns the rule; docs/src/content/docs/decisions/0060). Owner only."
    ),
    responses=problem_responses(401, 403, 404, 409),
)
async def keep_instance(name: str, state: StateDep, user: CurrentUser) -> KeptBody:
    kept_at = await keep(state.pool, name=name, user=user, now=datetime.now(UTC))
    return KeptBody(instance=name, kept_at=kept_at)


NextPath = Annotated[
    str | None,
    Query(
        max_length=2000,
        description="Path on the workshop host to land on (default /); other hosts are ignored.",
    ),
]


@router.post(
    "/{name}/open",
    operation_id="openInstance",
    response_model=OpenBody,
    summary="A single-use ticket into my workshop (or a learner's, to help), for its gate",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def open_instance_ticket(
    name: str, state: StateDep, user: CurrentUser, next: NextPath = None
) -> OpenBody:
    url, expires_at = await open_instance(
        state.pool,
        name=name,
        user=user,
        next_path=next,
        settings=state.settings,
        now=datetime.now(UTC),
        metrics=state.metrics,
    )
    return OpenBody(url=url, expires_at=expires_at)


@router.get(
    "/{name}/open",
    operation_id="openInstanceRedirect",
    status_code=status.HTTP_303_SEE_OTHER,
    response_class=RedirectResponse,
    summary="Go into my workshop: 303 to its host with a single-use ticket",
    description=(
        "What the Open link and the gate send a browser to. The ticket is minted for the "
        "caller's own instance only, so a link to this from elsewhere opens nothing but "
        "the caller's own workshop."
    ),
    responses={
        303: {"description": "To the workshop host's open path, with a ticket."},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def open_instance_redirect(
    name: str, state: StateDep, user: CurrentUser, next: NextPath = None
) -> RedirectResponse:
    url, _ = await open_instance(
        state.pool,
        name=name,
        user=user,
        next_path=next,
        settings=state.settings,
        now=datetime.now(UTC),
        metrics=state.metrics,
    )
    return RedirectResponse(
        url,
        status_code=status.HTTP_303_SEE_OTHER,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
