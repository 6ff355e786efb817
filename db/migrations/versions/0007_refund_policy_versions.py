"""refund policy versions, and the version each order was sold under

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('refund_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ux_refund_policy_digest', 'refund_policy', ['digest'], unique=True)
    with op.batch_alter_table('sale_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refund_policy_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_sale_order_refund_policy', 'refund_policy', ['refund_policy_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('sale_order', schema=None) as batch_op:
        batch_op.drop_constraint('fk_sale_order_refund_policy', type_='foreignkey')
        batch_op.drop_column('refund_policy_id')
    op.drop_index('ux_refund_policy_digest', table_name='refund_policy')
    op.drop_table('refund_policy')
