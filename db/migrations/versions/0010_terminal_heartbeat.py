"""terminal heartbeats: version, ticket printer state, in or out of service (and why), and the technician's
out-of-service flag that survives restarts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 16:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('terminal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=40), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('printer_state', sqlmodel.sql.sqltypes.AutoString(length=16),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('in_service', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('service_reason', sqlmodel.sql.sqltypes.AutoString(length=40),
                                      nullable=True))
        batch_op.add_column(sa.Column('taken_out_of_service', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('terminal', schema=None) as batch_op:
        batch_op.drop_column('taken_out_of_service')
        batch_op.drop_column('service_reason')
        batch_op.drop_column('in_service')
        batch_op.drop_column('printer_state')
        batch_op.drop_column('version')
