"""exchanges at the counter: exchange, exchange_ticket (old ticket → new ticket), exchange_payment (money back
to, or value carried from, the old order's payments)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 14:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exchange',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('old_order_id', sa.Integer(), nullable=False),
    sa.Column('new_order_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('terminal_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('refund_policy_id', sa.Integer(), nullable=True),
    sa.Column('old_fen', sa.Integer(), nullable=False),
    sa.Column('new_fen', sa.Integer(), nullable=False),
    sa.Column('fee_fen', sa.Integer(), nullable=False),
    sa.Column('charged_fen', sa.Integer(), nullable=False),
    sa.Column('back_fen', sa.Integer(), nullable=False),
    sa.Column('forgone_fen', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['approver_id'], ['staff.id'], name='fk_exchange_approver'),
    sa.ForeignKeyConstraint(['new_order_id'], ['sale_order.id'], name='fk_exchange_new_order'),
    sa.ForeignKeyConstraint(['old_order_id'], ['sale_order.id'], name='fk_exchange_old_order'),
    sa.ForeignKeyConstraint(['refund_policy_id'], ['refund_policy.id'], name='fk_exchange_policy'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name='fk_exchange_staff'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_exchange_new_order', 'exchange', ['new_order_id'], unique=False)
    op.create_index('ix_exchange_old_order', 'exchange', ['old_order_id'], unique=False)
    op.create_index('ux_exchange_request_key', 'exchange', ['request_key'], unique=True)
    op.create_table('exchange_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exchange_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('new_payment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['exchange_id'], ['exchange.id'], name='fk_exchange_payment_exchange'),
    sa.ForeignKeyConstraint(['new_payment_id'], ['payment.id'], name='fk_exchange_payment_new_payment'),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name='fk_exchange_payment_payment'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_exchange_payment_exchange', 'exchange_payment', ['exchange_id'], unique=False)
    op.create_index('ix_exchange_payment_payment', 'exchange_payment', ['payment_id'], unique=False)
    op.create_table('exchange_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exchange_id', sa.Integer(), nullable=False),
    sa.Column('old_ticket_id', sa.Integer(), nullable=False),
    sa.Column('new_ticket_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['exchange_id'], ['exchange.id'], name='fk_exchange_ticket_exchange'),
    sa.ForeignKeyConstraint(['new_ticket_id'], ['ticket.id'], name='fk_exchange_ticket_new'),
    sa.ForeignKeyConstraint(['old_ticket_id'], ['ticket.id'], name='fk_exchange_ticket_old'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_exchange_ticket_exchange', 'exchange_ticket', ['exchange_id'], unique=False)
    op.create_index('ux_exchange_ticket_new', 'exchange_ticket', ['new_ticket_id'], unique=True)
    op.create_index('ux_exchange_ticket_old', 'exchange_ticket', ['old_ticket_id'], unique=True)


def downgrade() -> None:
    op.drop_index('ux_exchange_ticket_old', table_name='exchange_ticket')
    op.drop_index('ux_exchange_ticket_new', table_name='exchange_ticket')
    op.drop_index('ix_exchange_ticket_exchange', table_name='exchange_ticket')
    op.drop_table('exchange_ticket')
    op.drop_index('ix_exchange_payment_payment', table_name='exchange_payment')
    op.drop_index('ix_exchange_payment_exchange', table_name='exchange_payment')
    op.drop_table('exchange_payment')
    op.drop_index('ux_exchange_request_key', table_name='exchange')
    op.drop_index('ix_exchange_old_order', table_name='exchange')
    op.drop_index('ix_exchange_new_order', table_name='exchange')
    op.drop_table('exchange')
