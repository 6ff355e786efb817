"""PostgreSQL: tell listening terminals that seats, tickets or showtimes changed (LISTEN/NOTIFY)

A statement-level trigger on seatclaim, ticket and showtime sends ``NOTIFY boxoffice_changes, '<table>'``; the
notification leaves with the transaction's commit (and not at all on rollback), and several in one transaction
arrive once per table. :class:`db.changes.ChangeWatcher` listens. SQLite needs nothing: its ``PRAGMA
data_version`` already changes with every commit of another connection.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:00:00
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

CHANNEL = 'boxoffice_changes'
TABLES = ('seatclaim', 'ticket', 'showtime')


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(f"""
        CREATE FUNCTION boxoffice_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
            RETURN NULL;
        END
        $$""")
    for table in TABLES:
        op.execute(f"CREATE TRIGGER {table}_notify_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION boxoffice_notify_change()")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_notify_change ON {table}")
    op.execute("DROP FUNCTION boxoffice_notify_change()")
