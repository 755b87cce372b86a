"""Health, readiness, metrics and who-am-I."""

import asyncio
from contextlib import suppress
from datetime import UTC, datetime

from fastapi import APIRouter, Response, status
from opentelemetry.instrumentation.utils import suppress_instrumentation

from orchestra_api.bodies import HealthBody, MeBody
from orchestra_api.deps import CurrentUser, StateDep
from orchestra_api.enrolling import may_create_classes
from orchestra_api.metering import CONTENT_TYPE
from orchestra_api.pools import count_by_state
from orchestra_api.problems import problem_responses
from orchestra_api.tallying import class_counts
from orchestra_api.tickets import count_lines
from orchestra_shared import relaying

router = APIRouter(tags=["system"])

EMULATED_NOTE = (
    "This platform runs against an emulated Kubernetes API: workshops go through every "
    "phase, but no pod really runs and their URLs lead nowhere."
)
CHECK_TIMEOUT = 2.0


@router.get("/healthz", operation_id="health", response_model=HealthBody)
async def health() -> HealthBody:
    """The process is alive (nothing else is checked: a restart would not help)."""
    return HealthBody(status="ok")


@router.get(
    "/readyz",
    operation_id="ready",
    response_model=HealthBody,
    responses={503: {"description": "Not ready", "model": HealthBody}},
)
async def ready(state: StateDep, response: Response) -> HealthBody:
    """The api can take launches: Postgres answers and the catalog is loaded.

    NATS is reported (``checks.nats``) but does not make the api unready: launches are
    kept in the outbox during an outage and published when NATS returns, and taking
    every api out of its Service then would defeat that (the dashboard would lose
    even the instances' state).
    """
    checks: dict[str, object] = {"catalog": len(state.catalog.templates)}
    try:
        with suppress_instrumentation():  # probes every few seconds: not worth a trace each
            await asyncio.wait_for(state.pool.fetchval("SELECT 1"), timeout=CHECK_TIMEOUT)
        checks["postgres"] = "ok"
    except Exception as error:
        checks["postgres"] = f"unavailable: {type(error).__name__}"
    checks["nats"] = "ok" if state.hub.connected else "unavailable"
    healthy = checks["postgres"] == "ok" and bool(checks["catalog"])
    if not healthy:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return HealthBody(status="ok" if healthy else "unavailable", checks=checks)


@router.get(
    "/metrics",
    operation_id="metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {"schema": {"type": "string"}}}}},
)
async def metrics(state: StateDep) -> Response:
    """Prometheus text format."""
    backlog = None
    with suppress(Exception), suppress_instrumentation():  # answers during an outage too
        backlog = await asyncio.wait_for(
            relaying.backlog(state.pool, relaying.API_OUTBOX), timeout=CHECK_TIMEOUT
        )
    warm = None
    with suppress(Exception), suppress_instrumentation():
        warm = await asyncio.wait_for(count_by_state(state.pool), timeout=CHECK_TIMEOUT)
    classes = None
    with suppress(Exception), suppress_instrumentation():
        classes = await asyncio.wait_for(
            class_counts(state.pool, datetime.now(UTC)), timeout=CHECK_TIMEOUT
        )
    lines = None
    with suppress(Exception), suppress_instrumentation():
        lines = await asyncio.wait_for(count_lines(state.pool), timeout=CHECK_TIMEOUT)
    rendered = state.metrics.render(
        outbox_backlog=backlog,
        nats_connected=state.hub.connected,
        classes=classes,
        warm_instances=warm,
        waiting=lines,
    )
    return Response(rendered, media_type=CONTENT_TYPE)


@router.get(
    "/api/v1/me",
    operation_id="whoAmI",
    response_model=MeBody,
    responses=problem_responses(401, 403),
)
async def me(state: StateDep, user: CurrentUser) -> MeBody:
    emulated = state.settings.cluster_kind == "emulated"
    return MeBody(
        email=user.email,
        user=user.user,
        groups=sorted(user.groups),
        is_admin=user.is_admin,
        may_create_classes=may_create_classes(user, state.settings),
        cluster=state.settings.cluster_kind,
        cluster_note=EMULATED_NOTE if emulated else None,
    )
