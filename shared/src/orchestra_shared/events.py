"""The events that travel between Orchestra's services over NATS JetStream.

This module is the contract between the api, operator, sync and expiry
services: every message on the ``ORCHESTRA`` stream is one of these models,
serialised as JSON. Events are frozen and reject unknown fields so that a
producer and a consumer that disagree fail loudly instead of silently dropping
data. ``event_id`` doubles as the ``Nats-Msg-Id`` header, which lets JetStream
drop duplicates inside its window; ``version`` lets a consumer refuse a schema
it does not understand.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from orchestra_shared.phases import Phase
from orchestra_shared.templates import Slug

SCHEMA_VERSION: Literal[1] = 1


def _now() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    """Fields every event carries; subclasses add a ``type`` literal and their payload."""

    # Serialised events always carry every field, defaults included; the schema says so.
    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_serialization_defaults_required=True
    )

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    version: Literal[1] = SCHEMA_VERSION
    occurred_at: AwareDatetime = Field(default_factory=_now)
    instance: str = Field(min_length=1, max_length=63)
    owner: str = Field(min_length=1)


class LaunchRequested(Event):
    """api → operator, expiry: a learner asked for a workshop of one catalog template.

    It names the template and carries what the learner chose (the deadline their duration
    gives), never what to run: the operator resolves the slug in its own copy of the catalog
    and builds the Workshop from that, so whoever can publish here can start only reviewed
    templates (docs/src/content/docs/decisions/0052). A message with ``spec`` or ``image`` is refused like any
    unknown field.
    """

    type: Literal["launch.requested"] = "launch.requested"
    template_slug: Slug
    expires_at: AwareDatetime
    startup_timeout_seconds: int = Field(
        ge=1,
        description=(
            "The template's startup timeout as the api resolved it, for expiry's stuck-launch "
            "backstop (expiry has no catalog); the operator takes its own from the catalog."
        ),
    )
    idle_timeout_seconds: int | None = Field(
        default=None,
        ge=1,
        description=(
            "The template's idle timeout (docs/src/content/docs/decisions/0060), for expiry's idle rule; None: the "
            "session is never ended for idleness."
        ),
    )
    idle_warning_seconds: int | None = Field(
        default=None,
        ge=1,
        description="How long before the idle timeout the learner is warned.",
    )


TerminationReason = Literal[
    "user",
    "admin",
    "expired",
    "startup-timeout",
    "failed",
    "idle",
    "class-ended",
    "pool-unclaimed",
]


class TerminateRequested(Event):
    """api or expiry → operator, expiry: end a workshop early, or at its deadline."""

    type: Literal["terminate.requested"] = "terminate.requested"
    reason: TerminationReason
    requested_by: str | None = None


class ExtendRequested(Event):
    """api → operator, expiry: move a workshop's deadline to a new absolute time."""

    type: Literal["extend.requested"] = "extend.requested"
    expires_at: AwareDatetime
    extension: int = Field(ge=1, description="1 for the first extension, 2 for the second ...")


class ClaimRequested(Event):
    """api → operator, expiry: a learner took a warm instance of their class's pool
    (docs/src/content/docs/decisions/0070).

    ``owner`` is the learner, who owns the instance from now on; ``pool_owner`` is who
    owned it until now (``pool:<class id>``), so the operator hands over only a Workshop
    that still belongs to that pool, and a redelivered claim finds it already handed over.
    The deadline and the idle rule are the learner's, as a launch would have set them.
    """

    type: Literal["claim.requested"] = "claim.requested"
    pool_owner: str = Field(pattern=r"^pool:[a-z0-9]{1,40}$")
    expires_at: AwareDatetime
    idle_timeout_seconds: int | None = Field(default=None, ge=1)
    idle_warning_seconds: int | None = Field(default=None, ge=1)


class StatusChanged(Event):
    """sync → api, expiry: the cluster moved a workshop into a new phase."""

    type: Literal["status.changed"] = "status.changed"
    phase: Phase
    reason: str | None = None
    message: str | None = None
    url: str | None = None
    transitioned_at: AwareDatetime


class Expiring(Event):
    """expiry → api: a warning that the deadline is near."""

    type: Literal["expiry.expiring"] = "expiry.expiring"
    expires_at: AwareDatetime
    lead_seconds: int = Field(ge=0)


class IdleWarning(Event):
    """expiry → api: no activity since ``idle_since``; the session ends at ``ends_at`` unless
    the learner keeps it (or works in it) before then (docs/src/content/docs/decisions/0060)."""

    type: Literal["idle.warning"] = "idle.warning"
    idle_since: AwareDatetime
    ends_at: AwareDatetime


class ActivityKept(Event):
    """api → expiry: the learner clicked "Keep my session"; counts as activity at
    ``occurred_at`` (docs/src/content/docs/decisions/0060)."""

    type: Literal["activity.kept"] = "activity.kept"
    requested_by: str


class ExportRequested(Event):
    """api → operator: the learner asked for an archive of their running workshop's work
    folder ("Download my work", docs/src/content/docs/decisions/0060); the operator saves it into the archive
    store, where the api finds it."""

    type: Literal["export.requested"] = "export.requested"
    requested_by: str


class ClassNotice(BaseModel):
    """Fields of the notices about a class rather than an instance (docs/src/content/docs/decisions/0070).

    Each is addressed to one learner (``owner``): the api writes one per recipient in the
    same transaction as the fact, and the live stream passes it to that learner only.
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_serialization_defaults_required=True
    )

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    version: Literal[1] = SCHEMA_VERSION
    occurred_at: AwareDatetime = Field(default_factory=_now)
    owner: str = Field(min_length=1)
    class_id: str = Field(min_length=1, max_length=40)


class ClassMessage(ClassNotice):
    """api → the class's learners: what an instructor said to the whole class."""

    type: Literal["class.message"] = "class.message"
    author: str
    body: str = Field(min_length=1, max_length=2000)
    class_title: str


WaitingState = Literal["waiting", "admitted", "left", "refused"]


class WaitingChanged(ClassNotice):
    """api → one learner in the waiting room: their place in line moved, or their wait
    ended (admitted with an instance, left, or refused with a reason).

    ``class_id`` is null for an ordinary launch waiting for capacity (docs/src/content/docs/
    decisions/0070, "Every launch waits in the same line"); ``template`` says what the
    ticket launches. Both are additive to version 1: a reader keys a place by ``ticket``.
    """

    type: Literal["waiting.changed"] = "waiting.changed"
    class_id: str | None = Field(default=None, min_length=1, max_length=40)  # type: ignore[assignment]
    template: str | None = None
    ticket: int = Field(ge=1)
    state: WaitingState
    position: int | None = Field(default=None, ge=1)
    estimate_seconds: int | None = Field(default=None, ge=0)
    instance: str | None = None
    reason: str | None = None


RosterWhat = Literal["joined", "help"]


class RosterChanged(ClassNotice):
    """api → the class's instructors: a learner joined, or granted or withdrew their consent
    to help (``owner`` is that learner). Only instructors' live streams carry it; the
    learner's own stream does not."""

    type: Literal["roster.changed"] = "roster.changed"
    what: RosterWhat
    instance: str | None = None


class WorkspaceEvent(BaseModel):
    """Fields of the events about a learner's persistent workspace (one volume per learner
    and template, kept across sessions; docs/src/content/docs/decisions/0062): they concern a
    learner and a template, not an instance."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_serialization_defaults_required=True
    )

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    version: Literal[1] = SCHEMA_VERSION
    occurred_at: AwareDatetime = Field(default_factory=_now)
    owner: str = Field(min_length=1)
    template_slug: Slug
    last_used_at: AwareDatetime = Field(
        description="When a session last used the workspace (or its learner kept it)."
    )


class WorkspaceExpiring(WorkspaceEvent):
    """api → the learner: their workspace has not been used for a while and is deleted at
    ``deletes_at`` unless they launch a session of its template or keep it before then."""

    type: Literal["workspace.expiring"] = "workspace.expiring"
    deletes_at: AwareDatetime


class WorkspaceDeleteRequested(WorkspaceEvent):
    """api → operator: the workspace's retention period passed (its learner was warned);
    delete the volume. The operator refuses while a workshop of the template still runs."""

    type: Literal["workspace.delete-requested"] = "workspace.delete-requested"


AnyEvent = Annotated[
    LaunchRequested
    | ClaimRequested
    | TerminateRequested
    | ExtendRequested
    | StatusChanged
    | Expiring
    | IdleWarning
    | ActivityKept
    | ExportRequested,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)

# What the dashboards' live stream reads: the instance events and the class notices. Kept
# apart from ``AnyEvent`` so that a consumer of commands never meets an event without an
# instance (class notices are on their own subjects, which no command consumer reads).
AnyStreamed = Annotated[
    LaunchRequested
    | TerminateRequested
    | ExtendRequested
    | StatusChanged
    | Expiring
    | IdleWarning
    | ActivityKept
    | ClassMessage
    | WaitingChanged
    | RosterChanged
    | WorkspaceExpiring,
    Field(discriminator="type"),
]
STREAMED_ADAPTER: TypeAdapter[AnyStreamed] = TypeAdapter(AnyStreamed)


# What the operator's one consumer of ``orchestra.commands.>`` reads: the instance commands and
# the workspace deletion (the only command without an instance).
AnyCommand = Annotated[
    LaunchRequested
    | ClaimRequested
    | TerminateRequested
    | ExtendRequested
    | StatusChanged
    | Expiring
    | IdleWarning
    | ActivityKept
    | ExportRequested
    | WorkspaceDeleteRequested,
    Field(discriminator="type"),
]
COMMAND_ADAPTER: TypeAdapter[AnyCommand] = TypeAdapter(AnyCommand)


class DeadLetter(BaseModel):
    """What a consumer publishes when a message cannot be handled, and why.

    It is deliberately not an ``Event``: the payload may be anything, including
    bytes that are not JSON, and it is kept as text so nothing is lost.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = SCHEMA_VERSION
    occurred_at: AwareDatetime = Field(default_factory=_now)
    consumer: str
    subject: str
    reason: str
    payload: str
    headers: dict[str, str] = Field(default_factory=dict)


def parse_event(data: bytes | str) -> AnyEvent:
    """Parse any platform event from JSON; raises ``pydantic.ValidationError``."""
    return EVENT_ADAPTER.validate_json(data)


def parse_streamed(data: bytes | str) -> AnyStreamed:
    """Parse an event or a class notice from JSON; raises ``pydantic.ValidationError``."""
    return STREAMED_ADAPTER.validate_json(data)


def parse_command(data: bytes | str) -> AnyCommand:
    """Parse what arrives on ``orchestra.commands.>``; raises ``pydantic.ValidationError``."""
    return COMMAND_ADAPTER.validate_json(data)


def encode_event(event: Event | ClassNotice | WorkspaceEvent) -> bytes:
    return event.model_dump_json().encode()


def event_json(event: Event | ClassNotice | WorkspaceEvent) -> dict[str, Any]:
    """The JSON-compatible form stored in the outbox."""
    return event.model_dump(mode="json")
