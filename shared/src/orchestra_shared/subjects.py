"""NATS subjects, the JetStream stream and the durable consumer names.

Every service takes its subjects from here, so a rename is one change. One
stream carries all platform events (file storage, a duplicate window so that
``Nats-Msg-Id`` de-duplication works across retries of the outbox relay).
"""

from dataclasses import dataclass
from datetime import timedelta

STREAM = "ORCHESTRA"
PREFIX = "orchestra"

# Commands for the operator, all under one prefix so that one durable consumer
# receives them in the order they were published (a terminate never overtakes
# its launch).
COMMANDS = f"{PREFIX}.commands.>"
LAUNCH_REQUESTED = f"{PREFIX}.commands.launch"
TERMINATE_REQUESTED = f"{PREFIX}.commands.terminate"
EXTEND_REQUESTED = f"{PREFIX}.commands.extend"
EXPORT_REQUESTED = f"{PREFIX}.commands.export"
# A learner took a warm instance of a class's pool (docs/src/content/docs/decisions/0070); after its launch, in order.
CLAIM_REQUESTED = f"{PREFIX}.commands.claim"
# The retention rule's word that a learner's unused persistent workspace goes (api → operator;
# docs/src/content/docs/decisions/0062); in the commands' order, so it never overtakes a launch.
WORKSPACE_DELETE_REQUESTED = f"{PREFIX}.commands.workspace-delete"
# Facts for whoever listens: the dashboard's live stream, expiry.
STATUS_CHANGED = f"{PREFIX}.status.changed"
EXPIRING = f"{PREFIX}.notices.expiring"
IDLE_WARNING = f"{PREFIX}.notices.idle"
WORKSPACE_EXPIRING = f"{PREFIX}.notices.workspace"
# Notices about a class, one per learner it concerns (docs/src/content/docs/decisions/0070).
CLASS_MESSAGE = f"{PREFIX}.notices.class"
WAITING_CHANGED = f"{PREFIX}.notices.waiting"
# For a class's instructors: its roster changed (a join, a consent to help); 0045_helpers.
ROSTER_CHANGED = f"{PREFIX}.notices.roster"
# Activity for expiry's idle rule (docs/src/content/docs/decisions/0060): the gate's batched reports and the
# learner's "Keep my session", both read by one consumer.
ACTIVITY = f"{PREFIX}.activity.>"
ACTIVITY_REPORTED = f"{PREFIX}.activity.reported"
ACTIVITY_KEPT = f"{PREFIX}.activity.kept"
DEAD_LETTER_PREFIX = f"{PREFIX}.deadletter"
# The operator's key-value bucket of terminations seen before their launch.
TOMBSTONES_BUCKET = f"{PREFIX}-operator-tombstones"

SUBJECT_BY_TYPE: dict[str, str] = {
    "launch.requested": LAUNCH_REQUESTED,
    "terminate.requested": TERMINATE_REQUESTED,
    "extend.requested": EXTEND_REQUESTED,
    "export.requested": EXPORT_REQUESTED,
    "claim.requested": CLAIM_REQUESTED,
    "status.changed": STATUS_CHANGED,
    "expiry.expiring": EXPIRING,
    "idle.warning": IDLE_WARNING,
    "workspace.expiring": WORKSPACE_EXPIRING,
    "workspace.delete-requested": WORKSPACE_DELETE_REQUESTED,
    "activity.kept": ACTIVITY_KEPT,
    "class.message": CLASS_MESSAGE,
    "waiting.changed": WAITING_CHANGED,
    "roster.changed": ROSTER_CHANGED,
}


def dead_letter_subject(consumer: str) -> str:
    """Where ``consumer`` parks what it cannot handle (``orchestra.deadletter.<consumer>``)."""
    return f"{DEAD_LETTER_PREFIX}.{consumer}"


@dataclass(frozen=True)
class StreamConfig:
    """The parameters of the platform stream; each service creates it idempotently."""

    name: str = STREAM
    subjects: tuple[str, ...] = (f"{PREFIX}.>",)
    duplicate_window: timedelta = timedelta(minutes=10)
    max_age: timedelta = timedelta(days=7)


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable pull consumer: its name and the subjects it filters."""

    durable: str
    subjects: tuple[str, ...]


OPERATOR_COMMANDS = ConsumerSpec(durable="operator-commands", subjects=(COMMANDS,))
EXPIRY_COMMANDS = ConsumerSpec(durable="expiry-commands", subjects=(COMMANDS,))
EXPIRY_STATUS = ConsumerSpec(durable="expiry-status", subjects=(STATUS_CHANGED,))
EXPIRY_ACTIVITY = ConsumerSpec(durable="expiry-activity", subjects=(ACTIVITY,))
# Sync remembers why each workshop was asked to end (the reason outlives the Workshop).
SYNC_TERMINATIONS = ConsumerSpec(durable="sync-terminations", subjects=(TERMINATE_REQUESTED,))
# Every durable consumer of the stream; each parks what it cannot handle on its dead-letter
# subject. The notices the dashboards' live stream reads (expiring, idle, class, waiting)
# have none: the stream skips what it cannot parse.
CONSUMERS = (OPERATOR_COMMANDS, EXPIRY_COMMANDS, EXPIRY_STATUS, EXPIRY_ACTIVITY, SYNC_TERMINATIONS)
