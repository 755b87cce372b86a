"""The workshop gate remembers the tickets it redeemed, so each opens a workshop once.

Revision ID: 0010_gate
Revises: 0005_one_outbox
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_gate"
down_revision = "0005_one_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gate_redemptions",
        sa.Column("ticket_id", sa.Text, primary_key=True),
        sa.Column("instance", sa.Text, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "redeemed_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
    )
    op.create_index("gate_redemptions_expires", "gate_redemptions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("gate_redemptions_expires", table_name="gate_redemptions")
    op.drop_table("gate_redemptions")
