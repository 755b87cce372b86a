"""The Postgres tables, as SQLAlchemy Core metadata.

This is the contract for what each service may read and write; the alembic
migrations in ``orchestra_shared.migrations`` create exactly these tables (a
test compares them). One writer per fact:

- ``instances``: created by the api (identity, template, deadline); its
  observed-status columns (``phase`` and friends) are written only by sync.
- ``instance_history``: append-only, written only by sync.
- ``active_changes``: appended by a trigger whenever an instance's row enters or leaves
  the active phases (whoever writes it), compacted by the api; the capacity count.
- ``outbox``: written by the api in the same transaction as the instance row,
  drained by the api's relay.
- ``expiry_schedule``: the expiry service's durable schedule, deadlines and idle rule alike;
  the api reads its idle columns for the admin console (docs/src/content/docs/decisions/0060), never writes them.
- ``sync_outbox``: ``status changed`` events, written by sync in the same
  transaction as the history rows they announce, drained by sync's relay.
- ``termination_requests``: why each workshop was asked to end, as sync's own
  consumer of ``terminate requested`` learned it, so a Workshop deleted while
  sync was down is still recorded with its reason.
- ``gate_redemptions``: the tickets the workshop gate redeemed (single use), written
  only by the gate; an instructor's redemptions are kept (who, when): the access record
  the learner reads (docs/src/content/docs/decisions/0070).
- ``instance_helpers``: a learner's consent to help at one workshop, written only by
  the api, read by the gate (``HELP_ALLOWED_SQL``).
- ``classes``, ``class_members``, ``class_queue``, ``class_messages``: classes, their
  learners, their waiting room and their messages, written only by the api (docs/src/content/docs/decisions/0070).
- ``warm_instances``: the instances a class's warm pool started and who claimed each,
  written only by the api (docs/src/content/docs/decisions/0070).
- ``audit_entries`` and ``workspaces``: the audit of admin and instructor actions and the
  learners' persistent workspaces' last use, written only by the api (docs/src/content/docs/decisions/0062).

Services use asyncpg with plain SQL at run time; these definitions serve the
migrations, the tests and readers of the schema.
"""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = sa.MetaData()

# The phases in which an instance still holds (or is about to hold) cluster resources; the
# api's limit and capacity queries use exactly this predicate, so the partial index serves them.
ACTIVE_PHASES_SQL = "phase IN ('Requested', 'Pending', 'Provisioning', 'Ready', 'Terminating')"

instances = sa.Table(
    "instances",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("owner", sa.Text, nullable=False, index=True),
    sa.Column("template_slug", sa.Text, nullable=False, index=True),
    sa.Column("template_name", sa.Text, nullable=False),
    sa.Column("resolved_spec", JSONB, nullable=False),
    sa.Column("requested_duration_seconds", sa.Integer, nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("extensions", sa.Integer, nullable=False, server_default="0"),
    sa.Column("idempotency_key", sa.Text, nullable=True),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    # The template's maxDuration at launch (seconds): extensions never take the lifetime
    # (expires_at - created_at) past it. NULL on rows from before migration 0002_api.
    sa.Column("max_duration_seconds", sa.Integer, nullable=True),
    # When someone asked to end the instance early (api); sync still records the phases.
    sa.Column("terminate_requested_at", sa.DateTime(timezone=True), nullable=True),
    # Observed status: written by sync only.
    sa.Column("phase", sa.Text, nullable=False, server_default="Requested"),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("message", sa.Text, nullable=True),
    sa.Column("url", sa.Text, nullable=True),
    sa.Column("namespace", sa.Text, nullable=True),
    sa.Column("phase_changed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("terminated_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("observed_version", sa.BigInteger, nullable=False, server_default="0"),
    # Also sync's (migration 0002_sync): the Workshop's status conditions as the cluster
    # shows them, and the deadline the cluster enforces (the Workshop's spec.expiresAt,
    # which follows the api's ``expires_at`` once the operator applied an extension).
    sa.Column("conditions", JSONB, nullable=True),
    sa.Column("cluster_expires_at", sa.DateTime(timezone=True), nullable=True),
    # The class the session was launched for (api, migration 0030_classes, docs/src/content/docs/decisions/0070).
    sa.Column("class_id", sa.Text, nullable=True),
    sa.UniqueConstraint("owner", "idempotency_key", name="instances_owner_idempotency_key"),
    # Limits and capacity count the instances still running, per template (api, every launch).
    sa.Index(
        "instances_active_template",
        "template_slug",
        postgresql_where=sa.text(ACTIVE_PHASES_SQL),
    ),
    # Admin listings and history pages walk instances newest first.
    sa.Index("instances_created", "created_at", "name"),
    sa.Index("instances_class", "class_id", postgresql_where=sa.text("class_id IS NOT NULL")),
)

instance_history = sa.Table(
    "instance_history",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column(
        "instance",
        sa.Text,
        sa.ForeignKey("instances.name", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("phase", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("message", sa.Text, nullable=True),
    sa.Column("transitioned_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column(
        "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    # A replayed watch event carries the same transition: it must not add a row.
    sa.UniqueConstraint("instance", "phase", "transitioned_at", name="instance_history_transition"),
)

# +1 or -1 for a template whenever an instance enters or leaves the active phases, appended
# by a trigger on ``instances`` (0055_active_counts) and compacted by the api: the launch's
# capacity check sums these few rows instead of counting every active instance.
active_changes = sa.Table(
    "active_changes",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("template_slug", sa.Text, nullable=False),
    sa.Column("delta", sa.Integer, nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("payload", JSONB, nullable=False),
    sa.Column("headers", JSONB, nullable=False, server_default="{}"),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=True),
    # Set when the message was refused: the row stops blocking the rows behind it.
    sa.Column("set_aside_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index(
        "outbox_pending",
        "id",
        postgresql_where=sa.text("published_at IS NULL AND set_aside_at IS NULL"),
    ),
    sa.Index("outbox_published", "published_at"),
)

expiry_schedule = sa.Table(
    "expiry_schedule",
    metadata,
    sa.Column("instance", sa.Text, primary_key=True),
    sa.Column("owner", sa.Text, nullable=False),
    # NULL while only a status change was seen (events may arrive before the launch).
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
    # Which warning lead times (seconds) were already announced for this deadline.
    sa.Column("warned", sa.ARRAY(sa.Integer), nullable=False, server_default="{}"),
    sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
    # The deadline is only ever replaced by a newer decision (launch, then extension n).
    sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
    # What fired: 'expired', 'startup-timeout' or 'idle' (the reason of the terminate request).
    sa.Column("fired_reason", sa.Text, nullable=True),
    # Launch time + the spec's startup timeout; a launch not Ready by then (plus a grace)
    # is terminated by expiry unless the operator failed it first (ADR 0031).
    sa.Column("startup_deadline", sa.DateTime(timezone=True), nullable=True),
    # When Ready, Failed or Terminating was first seen: the launch is no longer stuck.
    sa.Column("startup_settled_at", sa.DateTime(timezone=True), nullable=True),
    # The launch's W3C traceparent: the termination fired later joins the launch's trace.
    sa.Column("trace_context", sa.Text, nullable=True),
    # The idle rule (migration 0020_idle, docs/src/content/docs/decisions/0060): the template's timeout and warning
    # (NULL: never culled), the last activity (from Ready on; only ever moves forward) and
    # the last activity the idle warning was sent for (one warning per idle period).
    sa.Column("idle_timeout_seconds", sa.Integer, nullable=True),
    sa.Column("idle_warning_seconds", sa.Integer, nullable=True),
    sa.Column("last_active_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("idle_warned_for", sa.DateTime(timezone=True), nullable=True),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index(
        "expiry_schedule_due",
        "expires_at",
        postgresql_where=sa.text("fired_at IS NULL AND cancelled_at IS NULL"),
    ),
)

sync_outbox = sa.Table(
    "sync_outbox",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    # Derived from the transition (instance, phase, cluster time); also the Nats-Msg-Id.
    sa.Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
    sa.Column("instance", sa.Text, nullable=False),
    sa.Column("payload", JSONB, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("subject", sa.Text, nullable=False, server_default="orchestra.status.changed"),
    # The observed Workshop's trace context: the publish joins the launch's trace.
    sa.Column("headers", JSONB, nullable=False, server_default="{}"),
    sa.Column("set_aside_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index(
        "sync_outbox_pending",
        "id",
        postgresql_where=sa.text("published_at IS NULL AND set_aside_at IS NULL"),
    ),
    sa.Index("sync_outbox_published", "published_at"),
)

termination_requests = sa.Table(
    "termination_requests",
    metadata,
    sa.Column("instance", sa.Text, primary_key=True),
    # The first request wins: the operator deletes on it, later ones find nothing to delete.
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("requested_by", sa.Text, nullable=True),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("event_id", UUID(as_uuid=True), nullable=False),
)

# The workshop gate's own (migration 0010_gate): every ticket it redeemed, so a ticket opens
# a workshop once whichever gate replica sees it. Rows are useless past ``expires_at`` and
# the gate deletes them then.
gate_redemptions = sa.Table(
    "gate_redemptions",
    metadata,
    sa.Column("ticket_id", sa.Text, primary_key=True),
    sa.Column("instance", sa.Text, nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column(
        "redeemed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    # Who redeemed it in which role (migration 0045_helpers). Owners' rows go at expiry;
    # anyone else's stay: they are the record of who entered a learner's workshop.
    sa.Column("redeemed_by", sa.Text, nullable=True),
    sa.Column("role", sa.Text, nullable=False, server_default="owner"),
    sa.Index("gate_redemptions_expires", "expires_at"),
    sa.Index("gate_redemptions_helpers", "instance", postgresql_where=sa.text("role <> 'owner'")),
)

# A learner's consent to their class's instructors entering one workshop (migration
# 0045_helpers, docs/src/content/docs/decisions/0070): granted, then perhaps revoked; at
# most one live row per instance. Written by the api only.
instance_helpers = sa.Table(
    "instance_helpers",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("instance", sa.Text, nullable=False),
    sa.Column("owner", sa.Text, nullable=False),
    sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index(
        "instance_helpers_live",
        "instance",
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
    ),
)

# Whether instructors of instance $1's class may enter it now: the learner's live consent,
# or the class lets them in without it. The api asks before it mints an instructor's ticket,
# the gate again while an instructor's session lasts, so a revoked consent ends it.
HELP_ALLOWED_SQL = """
SELECT EXISTS (SELECT 1 FROM instance_helpers h WHERE h.instance = $1 AND h.revoked_at IS NULL)
    OR EXISTS (SELECT 1 FROM instances i JOIN classes c ON c.id = i.class_id
               WHERE i.name = $1 AND c.help_without_consent)
"""

# Classes (migration 0030_classes, docs/src/content/docs/decisions/0070), all written by the api: the class, who
# joined it, its waiting room (arrival order is the id) and what its instructors said.
classes = sa.Table(
    "classes",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("template_slug", sa.Text, nullable=False),
    sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expected_size", sa.Integer, nullable=False),
    # A hard cap on the class's running sessions; NULL: only the platform's capacity.
    sa.Column("seats", sa.Integer, nullable=True),
    sa.Column("session_tag", sa.Text, nullable=False, unique=True),
    sa.Column("join_code", sa.Text, nullable=False, unique=True),
    sa.Column("instructor_emails", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("instructor_groups", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    # Set once, by "end the class": nobody is admitted after it.
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    # The warm pool (migration 0050_warm_pools): how many instances to start before the
    # class (0: none), how long before its start, and how long after it unclaimed ones stay.
    sa.Column("pool_size", sa.Integer, nullable=False, server_default="0"),
    sa.Column("pool_lead_seconds", sa.Integer, nullable=False, server_default="900"),
    sa.Column("pool_grace_seconds", sa.Integer, nullable=False, server_default="900"),
    # Instructors may enter learners' workshops without each learner's consent (0045_helpers);
    # learners are told when they join.
    sa.Column("help_without_consent", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("classes_starts", "starts_at"),
)

class_members = sa.Table(
    "class_members",
    metadata,
    sa.Column(
        "class_id",
        sa.Text,
        sa.ForeignKey("classes.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("owner", sa.Text, primary_key=True),
    sa.Column(
        "joined_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

class_queue = sa.Table(
    "class_queue",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column(
        "class_id",
        sa.Text,
        sa.ForeignKey("classes.id", ondelete="CASCADE"),
        # NULL: an ordinary launch waiting for capacity (migration 0047_open_queue).
        nullable=True,
    ),
    sa.Column("owner", sa.Text, nullable=False),
    sa.Column(
        "enqueued_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    # waiting, admitted, left or refused.
    sa.Column("state", sa.Text, nullable=False, server_default="waiting"),
    # What a waiting ticket waits for: 'capacity' (the platform), 'seats' (its class) or
    # 'template' (its template's own capacity).
    sa.Column("blocked_on", sa.Text, nullable=False, server_default="capacity"),
    sa.Column("instance", sa.Text, nullable=True),
    sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    # What the ticket launches once admitted (its class's template for a class's ticket),
    # the duration asked for, and the client's Idempotency-Key (0047_open_queue).
    sa.Column("template_slug", sa.Text, nullable=True),
    sa.Column("duration", sa.Text, nullable=True),
    sa.Column("idempotency_key", sa.Text, nullable=True),
    # One place in line per learner and class.
    sa.Index(
        "class_queue_one_waiting",
        "class_id",
        "owner",
        unique=True,
        postgresql_where=sa.text("state = 'waiting'"),
    ),
    sa.Index("class_queue_waiting", "id", postgresql_where=sa.text("state = 'waiting'")),
    # One place in the open line per learner and template.
    sa.Index(
        "class_queue_one_open",
        "owner",
        "template_slug",
        unique=True,
        postgresql_where=sa.text("state = 'waiting' AND class_id IS NULL"),
    ),
    sa.Index(
        "class_queue_idempotency",
        "owner",
        "idempotency_key",
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    ),
    sa.Index("class_queue_owner_waiting", "owner", postgresql_where=sa.text("state = 'waiting'")),
)

class_messages = sa.Table(
    "class_messages",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column(
        "class_id",
        sa.Text,
        sa.ForeignKey("classes.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
)

# Warm instances (migration 0050_warm_pools, docs/src/content/docs/decisions/0070), written by the api: each
# is an instance row owned by ``pool:<class id>`` until a learner claims it. Whether it is
# Ready is the instance's phase (sync's fact), not copied here.
warm_instances = sa.Table(
    "warm_instances",
    metadata,
    sa.Column(
        "name",
        sa.Text,
        sa.ForeignKey("instances.name", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "class_id",
        sa.Text,
        sa.ForeignKey("classes.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # warming (started, not claimed), claimed, or discarded (ended unclaimed).
    sa.Column("state", sa.Text, nullable=False, server_default="warming"),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("claimed_by", sa.Text, nullable=True),
    sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Index("warm_instances_class_state", "class_id", "state"),
)

# The audit of admin and instructor actions (migration 0040_audit, docs/src/content/docs/decisions/0062),
# written only by the api, in the transaction of the action it records: who (``actor``, in
# which ``role``) did what (``action``) to what (``target_kind``, ``target``; ``subject``
# is the learner concerned, when there is one) and when. Deleted after
# ``RetentionSettings.audit`` by the api's reaper.
audit_entries = sa.Table(
    "audit_entries",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("target_kind", sa.Text, nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=True),
    sa.Column("details", JSONB, nullable=False, server_default="{}"),
    sa.Index("audit_entries_occurred", "occurred_at", "id"),
    sa.Index("audit_entries_actor", "actor"),
    sa.Index("audit_entries_target", "target"),
)

# The learners' persistent workspaces (migration 0040_audit, docs/src/content/docs/decisions/0062), written
# only by the api: when each (learner, template) volume was last used (a launch, a session
# still running or its end, "Keep my workspace"), and the use its deletion warning was sent
# for. The operator, which owns the volume, deletes it when the api asks.
workspaces = sa.Table(
    "workspaces",
    metadata,
    sa.Column("owner", sa.Text, primary_key=True),
    sa.Column("template_slug", sa.Text, primary_key=True),
    sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("warned_for", sa.DateTime(timezone=True), nullable=True),
    sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index("workspaces_last_used", "last_used_at"),
)
