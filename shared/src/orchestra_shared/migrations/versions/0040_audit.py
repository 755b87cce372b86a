"""The audit of admin and instructor actions, and the learners' persistent workspaces.

Both tables are the api's (docs/src/content/docs/decisions/0062): ``audit_entries`` records who did what
to what and when, in the transaction of the action; ``workspaces`` remembers when each
learner's persistent workspace (one volume per learner and template) was last used, so
the retention rule can warn and then ask the operator to delete it.

Revision ID: 0040_audit
Revises: 0030_classes
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0040_audit"
down_revision = "0030_classes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("target_kind", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=True),
        sa.Column("details", JSONB, nullable=False, server_default="{}"),
    )
    op.create_index("audit_entries_occurred", "audit_entries", ["occurred_at", "id"])
    op.create_index("audit_entries_actor", "audit_entries", ["actor"])
    op.create_index("audit_entries_target", "audit_entries", ["target"])
    op.create_table(
        "workspaces",
        sa.Column("owner", sa.Text, primary_key=True),
        sa.Column("template_slug", sa.Text, primary_key=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warned_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
    )
    op.create_index("workspaces_last_used", "workspaces", ["last_used_at"])


def downgrade() -> None:
    op.drop_table("workspaces")
    op.drop_table("audit_entries")
