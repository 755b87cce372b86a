"""Expiry keeps the launch's trace context, so the termination it fires joins the launch's trace.

Revision ID: 0003_expiry_trace
Revises: 0002_expiry
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_expiry_trace"
down_revision = "0002_expiry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("expiry_schedule", sa.Column("trace_context", sa.Text, nullable=True))


def downgrade() -> None:
    op.drop_column("expiry_schedule", "trace_context")
