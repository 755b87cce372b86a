"""Active instances counted as they change, not per launch: ``active_changes``.

Every launch's capacity check counted the active instances (every row in an active
phase: thousands at a class's start, and growing through it). Now a trigger on
``instances`` appends +1 or -1 for the instance's template whenever an instance enters
or leaves the active phases, and the check sums those rows; the api compacts them into
one row per template every few seconds, so the sum reads a handful of rows whatever
the number of instances.

Appending, not a counter row: a counter row would be held by each transaction that
moves it until it commits, and sync commits its recordings in watch order (ADR 0022):
two recordings waiting on one counter row and on each other's turn would never end.
Inserts never wait on each other. TRUNCATE bypasses the trigger; nothing truncates
``instances``.

Revision ID: 0055_active_counts
Revises: 0050_warm_pools
"""

import sqlalchemy as sa
from alembic import op

revision = "0055_active_counts"
down_revision = "0050_warm_pools"
branch_labels = None
depends_on = None

ACTIVE = "('Requested', 'Pending', 'Provisioning', 'Ready', 'Terminating')"


def upgrade() -> None:
    op.create_table(
        "active_changes",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("template_slug", sa.Text, nullable=False),
        sa.Column("delta", sa.Integer, nullable=False),
    )
    op.execute(
        f"""INSERT INTO active_changes (template_slug, delta)
            SELECT template_slug, count(*) FROM instances WHERE phase IN {ACTIVE}
            GROUP BY template_slug"""
    )
    op.execute(
        f"""
        CREATE FUNCTION orchestra_count_active() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            was boolean := TG_OP <> 'INSERT' AND OLD.phase IN {ACTIVE};
            is_now boolean := TG_OP <> 'DELETE' AND NEW.phase IN {ACTIVE};
        BEGIN
            IF was AND is_now AND OLD.template_slug = NEW.template_slug THEN
                RETURN NULL;
            END IF;
            IF was THEN
                INSERT INTO active_changes (template_slug, delta) VALUES (OLD.template_slug, -1);
            END IF;
            IF is_now THEN
                INSERT INTO active_changes (template_slug, delta) VALUES (NEW.template_slug, 1);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        """CREATE TRIGGER instances_count_active
           AFTER INSERT OR DELETE OR UPDATE OF phase, template_slug ON instances
           FOR EACH ROW EXECUTE FUNCTION orchestra_count_active()"""
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER instances_count_active ON instances")
    op.execute("DROP FUNCTION orchestra_count_active()")
    op.drop_table("active_changes")
