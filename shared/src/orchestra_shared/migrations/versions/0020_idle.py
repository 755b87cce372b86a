"""Expiry's idle rule: each schedule row learns its template's idle timeout and last activity.

Revision ID: 0020_idle
Revises: 0010_gate
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_idle"
down_revision = "0010_gate"
branch_labels = None
depends_on = None

COLUMNS = (
    ("idle_timeout_seconds", sa.Integer),
    ("idle_warning_seconds", sa.Integer),
    ("last_active_at", sa.DateTime(timezone=True)),
    ("idle_warned_for", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("expiry_schedule", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for name, _kind in reversed(COLUMNS):
        op.drop_column("expiry_schedule", name)
