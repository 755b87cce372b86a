"""One outbox shape for the api and sync, so one relay publishes both.

``sync_outbox`` gains the subject and headers (trace context) the api's
``outbox`` already had; both gain ``set_aside_at``, set when a row's message
was refused so that it stops blocking the rows behind it (the reason stays in
``last_error``), and a pending index that leaves such rows out.

Revision ID: 0005_one_outbox
Revises: 0004_merge
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005_one_outbox"
down_revision = "0004_merge"
branch_labels = None
depends_on = None

STATUS_CHANGED = "orchestra.status.changed"


def upgrade() -> None:
    op.add_column(
        "sync_outbox",
        sa.Column("subject", sa.Text, nullable=False, server_default=STATUS_CHANGED),
    )
    op.add_column("sync_outbox", sa.Column("headers", JSONB, nullable=False, server_default="{}"))
    for table in ("outbox", "sync_outbox"):
        op.add_column(table, sa.Column("set_aside_at", sa.DateTime(timezone=True), nullable=True))
        op.drop_index(f"{table}_pending", table_name=table)
        op.create_index(
            f"{table}_pending",
            table,
            ["id"],
            postgresql_where=sa.text("published_at IS NULL AND set_aside_at IS NULL"),
        )
        op.create_index(f"{table}_published", table, ["published_at"])


def downgrade() -> None:
    for table in ("outbox", "sync_outbox"):
        op.drop_index(f"{table}_published", table_name=table)
        op.drop_index(f"{table}_pending", table_name=table)
        op.create_index(
            f"{table}_pending", table, ["id"], postgresql_where=sa.text("published_at IS NULL")
        )
        op.drop_column(table, "set_aside_at")
    op.drop_column("sync_outbox", "headers")
    op.drop_column("sync_outbox", "subject")
