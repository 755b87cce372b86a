"""The waiting room takes every launch: a ticket without a class is an ordinary launch.

A ticket now says what it launches (``template_slug``, ``duration``) and, for a launch
through ``POST /api/v1/instances``, the client's ``idempotency_key``, so a retried POST
finds its ticket (docs/src/content/docs/decisions/0070, "Every launch waits in the same
line"). ``class_id`` becomes nullable: NULL is an ordinary launch. The table keeps its
name so that the classes' code and queries stay as they are.

Revision ID: 0047_open_queue
Revises: 0045_helpers
"""

import sqlalchemy as sa
from alembic import op

revision = "0047_open_queue"
down_revision = "0045_helpers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("class_queue", "class_id", nullable=True)
    op.add_column("class_queue", sa.Column("template_slug", sa.Text, nullable=True))
    op.add_column("class_queue", sa.Column("duration", sa.Text, nullable=True))
    op.add_column("class_queue", sa.Column("idempotency_key", sa.Text, nullable=True))
    op.execute(
        """UPDATE class_queue q SET template_slug = c.template_slug
           FROM classes c WHERE q.class_id = c.id AND q.template_slug IS NULL"""
    )
    # One place in the open line per learner and template (a class has its own index).
    op.create_index(
        "class_queue_one_open",
        "class_queue",
        ["owner", "template_slug"],
        unique=True,
        postgresql_where=sa.text("state = 'waiting' AND class_id IS NULL"),
    )
    op.create_index(
        "class_queue_idempotency",
        "class_queue",
        ["owner", "idempotency_key"],
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.create_index(
        "class_queue_owner_waiting",
        "class_queue",
        ["owner"],
        postgresql_where=sa.text("state = 'waiting'"),
    )


def downgrade() -> None:
    op.drop_index("class_queue_owner_waiting", table_name="class_queue")
    op.drop_index("class_queue_idempotency", table_name="class_queue")
    op.drop_index("class_queue_one_open", table_name="class_queue")
    op.execute("DELETE FROM class_queue WHERE class_id IS NULL")
    op.drop_column("class_queue", "idempotency_key")
    op.drop_column("class_queue", "duration")
    op.drop_column("class_queue", "template_slug")
    op.alter_column("class_queue", "class_id", nullable=False)
