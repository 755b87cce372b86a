"""Join the branches that the api, sync and expiry work added side by side.

After this, migrations form one line again: the next one revises ``0004_merge``.

Revision ID: 0004_merge
Revises: 0002_api, 0002_sync, 0003_expiry_trace
"""

revision = "0004_merge"
down_revision = ("0002_api", "0002_sync", "0003_expiry_trace")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
