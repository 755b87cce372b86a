"""Warm pools: a class's pool settings, and the instances started before it for its learners.

Revision ID: 0050_warm_pools
Revises: 0047_open_queue
"""

import sqlalchemy as sa
from alembic import op

revision = "0050_warm_pools"
down_revision = "0047_open_queue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("classes", sa.Column("pool_size", sa.Integer, nullable=False, server_default="0"))
    op.add_column(
        "classes",
        sa.Column("pool_lead_seconds", sa.Integer, nullable=False, server_default="900"),
    )
    op.add_column(
        "classes",
        sa.Column("pool_grace_seconds", sa.Integer, nullable=False, server_default="900"),
    )
    op.create_table(
        "warm_instances",
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
        sa.Column("state", sa.Text, nullable=False, server_default="warming"),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column("claimed_by", sa.Text, nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
    )
    op.create_index("warm_instances_class_state", "warm_instances", ["class_id", "state"])


def downgrade() -> None:
    op.drop_index("warm_instances_class_state", table_name="warm_instances")
    op.drop_table("warm_instances")
    op.drop_column("classes", "pool_grace_seconds")
    op.drop_column("classes", "pool_lead_seconds")
    op.drop_column("classes", "pool_size")
