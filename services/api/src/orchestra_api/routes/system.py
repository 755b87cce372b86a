"""Health, readiness and who-am-I."""

import asyncio

from fastapi import APIRouter, Response, status

from orchestra_api.bodies import HealthBody, MeBody
from orchestra_api.deps import CurrentUser, StateDep

router = APIRouter(tags=["system"])

EMULATED_NOTE = (
    "This platform runs against an emulated Kubernetes API: workshops go through every "
    "phase, but no pod really runs and their URLs lead nowhere."
)


@router.get("/healthz", operation_id="health", response_model=HealthBody)
async def health() -> HealthBody:
    return HealthBody(status="ok")


@router.get("/readyz", operation_id="ready", response_model=HealthBody)
async def ready(state: StateDep, response: Response) -> HealthBody:
    checks: dict[str, object] = {"catalog": len(state.catalog.templates)}
    try:
        await asyncio.wait_for(state.pool.fetchval("SELECT 1"), timeout=2)
        checks["postgres"] = "ok"
    except (OSError, TimeoutError, Exception) as error:
        checks["postgres"] = f"unavailable: {type(error).__name__}"
    healthy = checks["postgres"] == "ok"
    if not healthy:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return HealthBody(status="ok" if healthy else "unavailable", checks=checks)


@router.get("/api/v1/me", operation_id="whoAmI", response_model=MeBody)
async def me(state: StateDep, user: CurrentUser) -> MeBody:
    emulated = state.settings.cluster_kind == "emulated"
    return MeBody(
        email=user.email,
        user=user.user,
        groups=sorted(user.groups),
        is_admin=user.is_admin,
        cluster=state.settings.cluster_kind,
        cluster_note=EMULATED_NOTE if emulated else None,
    )
