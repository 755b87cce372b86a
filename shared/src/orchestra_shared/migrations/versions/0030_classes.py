"""Classes: the class, its members, its waiting room, its messages; sessions know their class.

Revision ID: 0030_classes
Revises: 0020_idle
"""

import sqlalchemy as sa
from alembic import op

revision = "0030_classes"
down_revision = "0020_idle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "classes",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("template_slug", sa.Text, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_size", sa.Integer, nullable=False),
        sa.Column("seats", sa.Integer, nullable=True),
        sa.Column("session_tag", sa.Text, nullable=False, unique=True),
        sa.Column("join_code", sa.Text, nullable=False, unique=True),
        sa.Column("instructor_emails", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("instructor_groups", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("classes_starts", "classes", ["starts_at"])
    op.create_table(
        "class_members",
        sa.Column(
            "class_id",
            sa.Text,
            sa.ForeignKey("classes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("owner", sa.Text, primary_key=True),
        sa.Column(
            "joined_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
    )
    op.create_table(
        "class_queue",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "class_id",
            sa.Text,
            sa.ForeignKey("classes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column(
            "enqueued_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column("state", sa.Text, nullable=False, server_default="waiting"),
        sa.Column("blocked_on", sa.Text, nullable=False, server_default="capacity"),
        sa.Column("instance", sa.Text, nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
    )
    op.create_index(
        "class_queue_one_waiting",
        "class_queue",
        ["class_id", "owner"],
        unique=True,
        postgresql_where=sa.text("state = 'waiting'"),
    )
    op.create_index(
        "class_queue_waiting",
        "class_queue",
        ["id"],
        postgresql_where=sa.text("state = 'waiting'"),
    )
    op.create_table(
        "class_messages",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "class_id",
            sa.Text,
            sa.ForeignKey("classes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_class_messages_class_id", "class_messages", ["class_id"])
    op.add_column("instances", sa.Column("class_id", sa.Text, nullable=True))
    op.create_index(
        "instances_class",
        "instances",
        ["class_id"],
        postgresql_where=sa.text("class_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("instances_class", table_name="instances")
    op.drop_column("instances", "class_id")
    op.drop_index("ix_class_messages_class_id", table_name="class_messages")
    op.drop_table("class_messages")
    op.drop_index("class_queue_waiting", table_name="class_queue")
    op.drop_index("class_queue_one_waiting", table_name="class_queue")
    op.drop_table("class_queue")
    op.drop_table("class_members")
    op.drop_index("classes_starts", table_name="classes")
    op.drop_table("classes")
