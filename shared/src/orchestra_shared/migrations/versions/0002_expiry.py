"""Expiry's additions: stuck-launch deadlines, what fired, deadlines learned late.

``expires_at`` becomes nullable because a status change may reach expiry before
the launch that carries the deadline (two consumers, redeliveries); the row then
records what was observed and the launch fills the deadline in.

Revision ID: 0002_expiry
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_expiry"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("expiry_schedule", "expires_at", nullable=True)
    op.add_column("expiry_schedule", sa.Column("fired_reason", sa.Text, nullable=True))
    op.add_column(
        "expiry_schedule",
        sa.Column("startup_deadline", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "expiry_schedule",
        sa.Column("startup_settled_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("expiry_schedule", "startup_settled_at")
    op.drop_column("expiry_schedule", "startup_deadline")
    op.drop_column("expiry_schedule", "fired_reason")
    op.execute("DELETE FROM expiry_schedule WHERE expires_at IS NULL")
    op.alter_column("expiry_schedule", "expires_at", nullable=False)
