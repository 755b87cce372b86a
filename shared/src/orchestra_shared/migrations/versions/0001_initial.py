"""Instances, their history, the outbox and the expiry schedule.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instances",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("template_slug", sa.Text, nullable=False),
        sa.Column("template_name", sa.Text, nullable=False),
        sa.Column("resolved_spec", JSONB, nullable=False),
        sa.Column("requested_duration_seconds", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("extensions", sa.Integer, nullable=False, server_default="0"),
        sa.Column("idempotency_key", sa.Text, nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("phase", sa.Text, nullable=False, server_default="Requested"),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("namespace", sa.Text, nullable=True),
        sa.Column("phase_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("terminated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("observed_version", sa.BigInteger, nullable=False, server_default="0"),
        sa.UniqueConstraint("owner", "idempotency_key", name="instances_owner_idempotency_key"),
    )
    op.create_index("ix_instances_owner", "instances", ["owner"])
    op.create_index("ix_instances_template_slug", "instances", ["template_slug"])

    op.create_table(
        "instance_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "instance",
            sa.Text,
            sa.ForeignKey("instances.name", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("phase", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("transitioned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.UniqueConstraint(
            "instance", "phase", "transitioned_at", name="instance_history_transition"
        ),
    )
    op.create_index("ix_instance_history_instance", "instance_history", ["instance"])

    op.create_table(
        "outbox",
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
    )
    op.create_index(
        "outbox_pending", "outbox", ["id"], postgresql_where=sa.text("published_at IS NULL")
    )

    op.create_table(
        "expiry_schedule",
        sa.Column("instance", sa.Text, primary_key=True),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warned", sa.ARRAY(sa.Integer), nullable=False, server_default="{}"),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index(
        "expiry_schedule_due",
        "expiry_schedule",
        ["expires_at"],
        postgresql_where=sa.text("fired_at IS NULL AND cancelled_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("expiry_schedule")
    op.drop_table("outbox")
    op.drop_table("instance_history")
    op.drop_table("instances")
