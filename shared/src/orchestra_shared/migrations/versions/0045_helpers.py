"""Help at a learner's workshop: the learner's consent, a class setting, and who entered.

Revision ID: 0045_helpers
Revises: 0040_audit
"""

import sqlalchemy as sa
from alembic import op

revision = "0045_helpers"
down_revision = "0040_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "classes",
        sa.Column("help_without_consent", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "instance_helpers",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("instance", sa.Text, nullable=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "instance_helpers_live",
        "instance_helpers",
        ["instance"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.add_column("gate_redemptions", sa.Column("redeemed_by", sa.Text, nullable=True))
    op.add_column(
        "gate_redemptions",
        sa.Column("role", sa.Text, nullable=False, server_default="owner"),
    )
    op.create_index(
        "gate_redemptions_helpers",
        "gate_redemptions",
        ["instance"],
        postgresql_where=sa.text("role <> 'owner'"),
    )


def downgrade() -> None:
    op.drop_index("gate_redemptions_helpers", table_name="gate_redemptions")
    op.drop_column("gate_redemptions", "role")
    op.drop_column("gate_redemptions", "redeemed_by")
    op.drop_index("instance_helpers_live", table_name="instance_helpers")
    op.drop_table("instance_helpers")
    op.drop_column("classes", "help_without_consent")
