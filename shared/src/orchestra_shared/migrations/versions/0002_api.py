"""The api's additions: maxDuration snapshot, early-termination mark, indexes for limits and lists.

Revision ID: 0002_api
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_api"
down_revision = "0001"
branch_labels = None
depends_on = None

ACTIVE_PHASES_SQL = "phase IN ('Requested', 'Pending', 'Provisioning', 'Ready', 'Terminating')"


def upgrade() -> None:
    op.add_column("instances", sa.Column("max_duration_seconds", sa.Integer, nullable=True))
    op.add_column(
        "instances",
        sa.Column("terminate_requested_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "instances_active_template",
        "instances",
        ["template_slug"],
        postgresql_where=sa.text(ACTIVE_PHASES_SQL),
    )
    op.create_index("instances_created", "instances", ["created_at", "name"])


def downgrade() -> None:
    op.drop_index("instances_created", table_name="instances")
    op.drop_index("instances_active_template", table_name="instances")
    op.drop_column("instances", "terminate_requested_at")
    op.drop_column("instances", "max_duration_seconds")
