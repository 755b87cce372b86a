"""``/api/v1/archives`` and ``/api/v1/retention``: the learner's saved work, and how long
everything is kept (docs/src/content/docs/decisions/0060). ``POST /api/v1/instances/{name}/export`` is here too:
it asks for an archive, which then shows in the list."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.responses import StreamingResponse

from orchestra_api.bodies import ArchiveBody, ExportBody, RetentionBody
from orchestra_api.deps import CurrentUser, StateDep
from orchestra_api.exporting import my_archives, open_archive, request_export
from orchestra_api.problems import problem_responses

router = APIRouter(tags=["archives"])


@router.post(
    "/api/v1/instances/{name}/export",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="exportInstance",
    response_model=ExportBody,
    summary="Download my work: save my running workshop's work folder",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def export_instance(name: str, state: StateDep, user: CurrentUser) -> ExportBody:
    requested_at = await request_export(
        state.pool, state.archives, name=name, user=user, now=datetime.now(UTC)
    )
    return ExportBody(instance=name, requested_at=requested_at)


@router.get(
    "/api/v1/archives",
    operation_id="listArchives",
    response_model=list[ArchiveBody],
    summary="My saved work folders, newest first",
    responses=problem_responses(401, 409, 422),
)
async def list_archives(
    state: StateDep,
    user: CurrentUser,
    instance: Annotated[str | None, Query(max_length=63, description="Only this one's.")] = None,
) -> list[ArchiveBody]:
    archives = await my_archives(
        state.archives, user=user, keep_for=state.settings.retention.archives, instance=instance
    )
    return [
        ArchiveBody(
            id=a.info.archive_id,
            instance=a.info.instance,
            created_at=a.info.created_at,
            size=a.info.size,
            expires_at=a.expires_at,
        )
        for a in archives
    ]


@router.get(
    "/api/v1/archives/{archive_id}",
    operation_id="downloadArchive",
    response_class=StreamingResponse,
    summary="Download one of my saved work folders (a .tar.gz)",
    responses={
        200: {"content": {"application/gzip": {}}, "description": "The archive."},
        **problem_responses(401, 404, 409, 422),
    },
)
async def download_archive(
    archive_id: str, state: StateDep, user: CurrentUser
) -> StreamingResponse:
    filename, chunks = await open_archive(state.archives, user=user, archive_id=archive_id)
    return StreamingResponse(
        chunks,
        media_type="application/gzip",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/api/v1/retention",
    operation_id="getRetention",
    response_model=RetentionBody,
    summary="How long the platform keeps history, archives, workspaces and audit",
    responses=problem_responses(401),
)
async def get_retention(state: StateDep, user: CurrentUser) -> RetentionBody:
    periods = state.settings.retention
    return RetentionBody(
        history_seconds=int(periods.history.total_seconds()),
        archives_seconds=int(periods.archives.total_seconds()),
        workspaces_seconds=int(periods.workspaces.total_seconds()),
        workspace_warning_seconds=int(periods.workspace_warning.total_seconds()),
        audit_seconds=int(periods.audit.total_seconds()),
        exports_enabled=state.archives is not None,
    )
