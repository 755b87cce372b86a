"""``/api/v1/classes``: create and list classes, join one (or wait in line), and what an
instructor does with theirs: the live roster, extend everyone, end the class, message it,
the report (docs/src/content/docs/decisions/0070)."""

from datetime import UTC, datetime

from fastapi import APIRouter, Response, status

from orchestra_api.bodies import InstanceBody
from orchestra_api.cohort_bodies import (
    ClassBody,
    ClassCreateBody,
    ClassExtendBody,
    ClassSummaryBody,
    JoinBody,
    JoinedBody,
    MessageBody,
    MessageSentBody,
    OutcomesBody,
    PlaceBody,
    ReportBody,
    ReportLineBody,
    ReportTotalsBody,
    RosterBody,
)
from orchestra_api.cohorts import fetch_class, fetch_classes_joined, fetch_classes_taught
from orchestra_api.deps import CurrentUser, StateDep
from orchestra_api.enrolling import ClassRequest, WarmPoolRequest, create_class, join
from orchestra_api.problems import NotFound, problem_responses
from orchestra_api.queueing import leave_line, place_of
from orchestra_api.summarising import report_csv, summarise
from orchestra_api.teaching import end_class, extend_class, message_class, roster, taught_class

router = APIRouter(prefix="/api/v1/classes", tags=["classes"])


def _now() -> datetime:
    return datetime.now(UTC)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createClass",
    response_model=ClassBody,
    summary="Create a class (admins and instructors)",
    responses=problem_responses(400, 401, 403, 404, 422),
)
async def create(body: ClassCreateBody, state: StateDep, user: CurrentUser) -> ClassBody:
    klass = await create_class(
        state.pool,
        state.catalog,
        ClassRequest(
            title=body.title,
            template=body.template,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            expected_size=body.expected_size,
            seats=body.seats,
            session_tag=body.session_tag,
            instructor_emails=body.instructor_emails,
            instructor_groups=body.instructor_groups,
            warm_pool=WarmPoolRequest(
                size=body.warm_pool.size,
                lead_seconds=body.warm_pool.lead_minutes * 60,
                grace_seconds=body.warm_pool.grace_minutes * 60,
            )
            if body.warm_pool
            else None,
            help_without_consent=body.help_without_consent,
        ),
        user=user,
        settings=state.settings,
        now=_now(),
    )
    return ClassBody.of(klass)


@router.get(
    "",
    operation_id="listClassesTaught",
    response_model=list[ClassBody],
    summary="The classes I teach (every class, for admins)",
    responses=problem_responses(401, 403),
)
async def list_taught(state: StateDep, user: CurrentUser) -> list[ClassBody]:
    classes = await fetch_classes_taught(
        state.pool, user.email, sorted(user.groups), everyone=user.is_admin
    )
    return [ClassBody.of(k) for k in classes]


@router.get(
    "/joined",
    operation_id="listClassesJoined",
    response_model=list[ClassSummaryBody],
    summary="The classes I joined",
    responses=problem_responses(401, 403),
)
async def list_joined(state: StateDep, user: CurrentUser) -> list[ClassSummaryBody]:
    return [ClassSummaryBody.of(k) for k in await fetch_classes_joined(state.pool, user.email)]


@router.post(
    "/join",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="joinClass",
    response_model=JoinedBody,
    summary="Join a class by its code: a session of its template, or a place in line",
    description=(
        "When the class's seats or the platform's capacity are taken, the learner gets a "
        "place in the waiting room (state 'waiting', with position and estimate) instead of "
        "a 429; the line moves as sessions end, and 'waiting changed' events say so live. "
        "A learner with a live session of the class gets it back."
    ),
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
async def join_class(body: JoinBody, state: StateDep, user: CurrentUser) -> JoinedBody:
    joined = await join(
        state.pool,
        state.catalog,
        code=body.code,
        user=user,
        now=_now(),
        settings=state.settings,
        metrics=state.metrics,
    )
    if joined.place is not None:
        state.admitter.wake()
    elif joined.klass.pool_size > 0:
        state.keeper.wake()  # a claim, perhaps: the pool refills
    return JoinedBody(
        state="launched" if joined.instance else "waiting",
        class_=ClassSummaryBody.of(joined.klass),
        instance=InstanceBody.of(joined.instance, max_extensions=state.settings.max_extensions)
        if joined.instance
        else None,
        waiting=PlaceBody.of(joined.place) if joined.place else None,
    )


@router.get(
    "/{class_id}/queue/me",
    operation_id="getMyPlace",
    response_model=PlaceBody,
    summary="My place in the class's waiting room",
    responses=problem_responses(401, 403, 404),
)
async def my_place(class_id: str, state: StateDep, user: CurrentUser) -> PlaceBody:
    klass = await fetch_class(state.pool, class_id)
    place = await place_of(state.pool, klass, user.email, _now()) if klass else None
    if place is None:
        raise NotFound("you are not waiting for this class")
    return PlaceBody.of(place)


@router.delete(
    "/{class_id}/queue/me",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="leaveQueue",
    summary="Leave the class's waiting room",
    responses=problem_responses(401, 403, 404),
)
async def leave(class_id: str, state: StateDep, user: CurrentUser) -> Response:
    klass = await fetch_class(state.pool, class_id)
    left = (
        await leave_line(state.pool, klass, user.email, _now(), metrics=state.metrics)
        if klass
        else None
    )
    if left is None:
        raise NotFound("you are not waiting for this class")
    state.admitter.wake()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{class_id}",
    operation_id="getClassRoster",
    response_model=RosterBody,
    summary="The class live: every learner, their session, who waits (instructors)",
    responses=problem_responses(401, 403, 404),
)
async def get_roster(class_id: str, state: StateDep, user: CurrentUser) -> RosterBody:
    klass = await taught_class(state.pool, class_id, user)
    return RosterBody.of(
        await roster(state.pool, klass, _now()), max_extensions=state.settings.max_extensions
    )


@router.post(
    "/{class_id}/extend",
    operation_id="extendClass",
    response_model=OutcomesBody,
    summary="Extend every live session of the class (or some), within the template's limits",
    responses=problem_responses(400, 401, 403, 404, 422),
)
async def extend(
    class_id: str, body: ClassExtendBody, state: StateDep, user: CurrentUser
) -> OutcomesBody:
    klass = await taught_class(state.pool, class_id, user)
    outcomes = await extend_class(
        state.pool,
        state.catalog,
        klass,
        user=user,
        by_text=body.by,
        only=body.instances,
        now=_now(),
        max_extensions=state.settings.max_extensions,
    )
    return OutcomesBody.of(outcomes)


@router.post(
    "/{class_id}/end",
    operation_id="endClass",
    response_model=OutcomesBody,
    summary="End the class for everyone: sessions end, the waiting room closes",
    responses=problem_responses(401, 403, 404),
)
async def end(class_id: str, state: StateDep, user: CurrentUser) -> OutcomesBody:
    klass = await taught_class(state.pool, class_id, user)
    return OutcomesBody.of(await end_class(state.pool, klass, user=user, now=_now()))


@router.post(
    "/{class_id}/messages",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="messageClass",
    response_model=MessageSentBody,
    summary="Message every learner of the class (shown live in their dashboards)",
    responses=problem_responses(400, 401, 403, 404, 422),
)
async def message(
    class_id: str, body: MessageBody, state: StateDep, user: CurrentUser
) -> MessageSentBody:
    klass = await taught_class(state.pool, class_id, user)
    recipients = await message_class(state.pool, klass, user=user, body=body.body, now=_now())
    return MessageSentBody(recipients=recipients)


@router.get(
    "/{class_id}/report",
    operation_id="getClassReport",
    response_model=ReportBody,
    summary="Attendance, time to Ready, failures and session lengths (instructors)",
    responses=problem_responses(401, 403, 404),
)
async def report(class_id: str, state: StateDep, user: CurrentUser) -> ReportBody:
    klass = await taught_class(state.pool, class_id, user)
    now = _now()
    lines, totals = summarise(await roster(state.pool, klass, now), now)
    return ReportBody(
        class_id=klass.id,
        generated_at=now,
        totals=ReportTotalsBody.of(totals),
        learners=[ReportLineBody.of(line) for line in lines],
    )


@router.get(
    "/{class_id}/report.csv",
    operation_id="getClassReportCsv",
    response_class=Response,
    summary="The class report as CSV, one line per learner",
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **problem_responses(401, 403, 404),
    },
)
async def report_as_csv(class_id: str, state: StateDep, user: CurrentUser) -> Response:
    klass = await taught_class(state.pool, class_id, user)
    now = _now()
    lines, _ = summarise(await roster(state.pool, klass, now), now)
    return Response(
        report_csv(lines),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="class-{klass.id}.csv"'},
    )
