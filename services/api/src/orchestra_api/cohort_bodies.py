"""Request and response bodies of ``/api/v1/classes`` (docs/src/content/docs/decisions/0070)."""

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from orchestra_api.bodies import InstanceBody
from orchestra_api.cohorts import ClassRecord
from orchestra_api.queueing import Place
from orchestra_api.summarising import LearnerLine, Totals
from orchestra_api.teaching import Outcome, Roster


class WarmPoolBody(BaseModel):
    """Instances started before the class, so that the first learners get a Ready
    workshop at once (docs/src/content/docs/decisions/0070)."""

    model_config = ConfigDict(extra="forbid")

    size: int | None = Field(
        default=None,
        ge=0,
        le=10000,
        description="How many to keep ready; null: the class's expected size. "
        "Each claimed one is replaced until expected_size learners have one. 0: no pool.",
    )
    lead_minutes: int = Field(
        default=15,
        ge=1,
        le=24 * 60,
        description="How long before starts_at the pool is started (the image pull and "
        "start-up must fit in it).",
    )
    grace_minutes: int = Field(
        default=15,
        ge=0,
        le=24 * 60,
        description="How long after starts_at unclaimed instances are kept for latecomers.",
    )


class WarmPoolStatusBody(BaseModel):
    """A class's pool as its instructors see it."""

    size: int
    lead_minutes: int
    grace_minutes: int

    @classmethod
    def of(cls, klass: ClassRecord) -> "WarmPoolStatusBody | None":
        if klass.pool_size <= 0:
            return None
        return cls(
            size=klass.pool_size,
            lead_minutes=klass.pool_lead_seconds // 60,
            grace_minutes=klass.pool_grace_seconds // 60,
        )


class ClassCreateBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "RNA-seq, day 1",
                    "template": "rstudio",
                    "starts_at": "2025-09-01T09:00:00Z",
                    "ends_at": "2025-09-01T17:00:00Z",
                    "expected_size": 30,
                    "instructor_emails": ["grace@example.org"],
                    "warm_pool": {"size": 10, "lead_minutes": 20},
                }
            ]
        },
    )

    title: str = Field(min_length=1, max_length=200)
    template: str = Field(min_length=1, max_length=100, description="Slug of the template.")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    expected_size: int = Field(ge=1, le=10000, description="How many learners are expected.")
    seats: int | None = Field(
        default=None,
        ge=1,
        le=10000,
        description="At most this many sessions at once; later joins wait in line. "
        "Null: only the platform's capacity.",
    )
    session_tag: str | None = Field(
        default=None,
        max_length=12,
        description="The session part of instance names; drawn from the start date if absent.",
    )
    instructor_emails: list[str] = Field(default_factory=list, max_length=50)
    instructor_groups: list[str] = Field(default_factory=list, max_length=20)
    warm_pool: WarmPoolBody | None = Field(
        default=None,
        description="Start instances before the class; absent: no warm pool. Templates "
        "with a persistent workspace cannot be pooled.",
    )
    help_without_consent: bool = Field(
        default=False,
        description=(
            "Instructors may open learners' workshops to help without asking each learner "
            "first (learners are told when they join); every entry is still recorded."
        ),
    )


class ClassSummaryBody(BaseModel):
    """A class as a learner who joined it sees it (no join code, no instructors)."""

    id: str
    title: str
    template: str
    starts_at: datetime
    ends_at: datetime
    ended_at: datetime | None
    help_without_consent: bool = Field(
        description=(
            "Whether the class's instructors may open a learner's workshop without the "
            "learner's consent; otherwise the learner allows it, session by session."
        )
    )

    @classmethod
    def of(cls, klass: ClassRecord) -> "ClassSummaryBody":
        return cls(
            id=klass.id,
            title=klass.title,
            template=klass.template_slug,
            starts_at=klass.starts_at,
            ends_at=klass.ends_at,
            ended_at=klass.ended_at,
            help_without_consent=klass.help_without_consent,
        )


class ClassBody(ClassSummaryBody):
    """A class as its instructors see it."""

    expected_size: int
    seats: int | None
    session_tag: str
    join_code: str = Field(description="What learners type to join (case does not matter).")
    instructor_emails: list[str]
    instructor_groups: list[str]
    created_by: str
    created_at: datetime
    warm_pool: WarmPoolStatusBody | None = None

    @classmethod
    def of(cls, klass: ClassRecord) -> "ClassBody":
        return cls(
            **ClassSummaryBody.of(klass).model_dump(),
            expected_size=klass.expected_size,
            seats=klass.seats,
            session_tag=klass.session_tag,
            join_code=klass.join_code.upper(),
            instructor_emails=klass.instructor_emails,
            instructor_groups=klass.instructor_groups,
            created_by=klass.created_by,
            created_at=klass.created_at,
            warm_pool=WarmPoolStatusBody.of(klass),
        )


class JoinBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"code": "K7XP2QMB"}]}
    )

    code: str = Field(min_length=1, max_length=40, description="The class's join code.")


class PlaceBody(BaseModel):
    """A place in a class's waiting room."""

    ticket: int
    owner: str
    enqueued_at: datetime
    position: int | None = Field(description="1: next in line.")
    estimate_seconds: int | None = Field(
        description="About how long until Ready, from recent sessions ending; null: unknown."
    )
    blocked_on: Literal["capacity", "seats"] = Field(
        description="What it waits for: the platform's capacity or the class's seats."
    )

    @classmethod
    def of(cls, place: Place) -> "PlaceBody":
        return cls(
            ticket=place.ticket.id,
            owner=place.ticket.owner,
            enqueued_at=place.ticket.enqueued_at,
            position=place.position,
            estimate_seconds=place.estimate_seconds,
            blocked_on="seats" if place.ticket.blocked_on == "seats" else "capacity",
        )


class JoinedBody(BaseModel):
    """A join's outcome: a session (``instance``) or a place in line (``waiting``)."""

    state: Literal["launched", "waiting"]
    class_: ClassSummaryBody = Field(alias="class")
    instance: InstanceBody | None
    waiting: PlaceBody | None

    model_config = ConfigDict(populate_by_name=True)


class LearnerBody(BaseModel):
    """One learner of the class as the instructor sees them now."""

    learner: str
    joined_at: datetime
    session: InstanceBody | None = Field(description="Their latest session of the class.")
    sessions: int
    seconds_to_ready: float | None = Field(
        description="Of the latest session, once Ready: from its launch, or from the claim "
        "for a claimed warm instance."
    )
    waiting: PlaceBody | None
    help: bool = Field(
        default=False,
        description=(
            "An instructor may open the latest session to help now: it is Ready and the "
            "learner consents (or the class lets instructors in without asking)."
        ),
    )


class RosterBody(BaseModel):
    class_: ClassBody = Field(alias="class")
    learners: list[LearnerBody]
    waiting: list[PlaceBody]
    phases: dict[str, int] = Field(description="Latest sessions by phase.")
    warm_instances: dict[str, int] = Field(
        default_factory=dict,
        description="The class's warm pool by state: warming (starting), ready (claimable), "
        "claimed (a learner's session now), discarded (failed or unclaimed); empty "
        "without a pool.",
    )

    model_config = ConfigDict(populate_by_name=True)

    @classmethod
    def of(cls, roster: Roster, *, max_extensions: int) -> "RosterBody":
        waiting = {place.ticket.owner: PlaceBody.of(place) for place in roster.waiting}
        learners: list[LearnerBody] = []
        phases: dict[str, int] = {}
        for member in roster.members:
            mine = [s for s in roster.sessions if s.owner == member.owner]
            latest = mine[-1] if mine else None
            if latest is not None:
                phases[latest.phase] = phases.get(latest.phase, 0) + 1
            learners.append(
                LearnerBody(
                    learner=member.owner,
                    joined_at=member.joined_at,
                    session=InstanceBody.of(latest, max_extensions=max_extensions)
                    if latest
                    else None,
                    sessions=len(mine),
                    seconds_to_ready=roster.seconds_to_ready(latest) if latest else None,
                    waiting=waiting.get(member.owner),
                    help=latest is not None
                    and latest.phase == "Ready"
                    and latest.terminate_requested_at is None
                    and (roster.klass.help_without_consent or latest.name in roster.helped),
                )
            )
        return cls(
            class_=ClassBody.of(roster.klass),
            learners=learners,
            waiting=list(waiting.values()),
            phases=phases,
            warm_instances=roster.pool,
        )


class ClassExtendBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"by": "30m"}]})

    by: str = Field(min_length=1, max_length=20, description="How much longer, e.g. '30m'.")
    instances: list[str] | None = Field(
        default=None, max_length=1000, description="Only these sessions; all live ones if absent."
    )


class OutcomeBody(BaseModel):
    instance: str
    owner: str
    done: bool
    problem: str | None = Field(description="Why it was not done (a template limit, ended).")
    expires_at: datetime | None

    @classmethod
    def of(cls, outcome: Outcome) -> "OutcomeBody":
        return cls(
            instance=outcome.instance,
            owner=outcome.owner,
            done=outcome.done,
            problem=outcome.problem,
            expires_at=outcome.record.expires_at if outcome.record else None,
        )


class OutcomesBody(BaseModel):
    done: int
    refused: int
    outcomes: list[OutcomeBody]

    @classmethod
    def of(cls, outcomes: list[Outcome]) -> "OutcomesBody":
        done = sum(1 for o in outcomes if o.done)
        return cls(
            done=done,
            refused=len(outcomes) - done,
            outcomes=[OutcomeBody.of(o) for o in outcomes],
        )


class MessageBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=2000, description="What to tell the class.")


class MessageSentBody(BaseModel):
    recipients: int


class ReportLineBody(BaseModel):
    learner: str
    joined_at: datetime
    sessions: int
    first_ready_seconds: float | None
    failures: int
    failure_reasons: list[str]
    session_seconds: float
    extensions: int

    @classmethod
    def of(cls, line: LearnerLine) -> "ReportLineBody":
        return cls(**vars(line))


class ReportTotalsBody(BaseModel):
    attendance: int
    expected: int
    sessions: int
    ready: int
    failures: int
    median_ready_seconds: float | None
    p90_ready_seconds: float | None
    median_session_seconds: float | None

    @classmethod
    def of(cls, totals: Totals) -> "ReportTotalsBody":
        return cls(**vars(totals))


class ReportBody(BaseModel):
    class_id: str
    generated_at: datetime
    totals: ReportTotalsBody
    learners: list[ReportLineBody]
