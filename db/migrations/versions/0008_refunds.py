"""refunds at the counter: refund, refund_payment, refund_ticket; refund receipts on the print queue; orders
found by the customer's phone number

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('refund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('request_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('terminal_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('refund_policy_id', sa.Integer(), nullable=True),
    sa.Column('gross_fen', sa.Integer(), nullable=False),
    sa.Column('kept_fee_fen', sa.Integer(), nullable=False),
    sa.Column('percent_fee_fen', sa.Integer(), nullable=False),
    sa.Column('fixed_fee_fen', sa.Integer(), nullable=False),
    sa.Column('back_fen', sa.Integer(), nullable=False),
    sa.Column('not_returned_note', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.ForeignKeyConstraint(['approver_id'], ['staff.id'], name='fk_refund_approver'),
    sa.ForeignKeyConstraint(['order_id'], ['sale_order.id'], name='fk_refund_order'),
    sa.ForeignKeyConstraint(['refund_policy_id'], ['refund_policy.id'], name='fk_refund_policy'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name='fk_refund_staff'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.create_index('ix_refund_order', ['order_id'], unique=False)
        batch_op.create_index('ux_refund_request_key', ['request_key'], unique=True)

    op.create_table('refund_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('refund_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name='fk_refund_payment_payment'),
    sa.ForeignKeyConstraint(['refund_id'], ['refund.id'], name='fk_refund_payment_refund'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('refund_payment', schema=None) as batch_op:
        batch_op.create_index('ix_refund_payment_payment', ['payment_id'], unique=False)
        batch_op.create_index('ix_refund_payment_refund', ['refund_id'], unique=False)

    op.create_table('refund_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('refund_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('gross_fen', sa.Integer(), nullable=False),
    sa.Column('kept_fee_fen', sa.Integer(), nullable=False),
    sa.Column('percent_fee_fen', sa.Integer(), nullable=False),
    sa.Column('fixed_fee_fen', sa.Integer(), nullable=False),
    sa.Column('back_fen', sa.Integer(), nullable=False),
    sa.Column('on_paper', sa.Boolean(), nullable=False),
    sa.Column('returned', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['refund_id'], ['refund.id'], name='fk_refund_ticket_refund'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name='fk_refund_ticket_ticket'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('refund_ticket', schema=None) as batch_op:
        batch_op.create_index('ix_refund_ticket_refund', ['refund_id'], unique=False)
        batch_op.create_index('ux_refund_ticket_ticket', ['ticket_id'], unique=True)

    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refund_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_print_job_refund', 'refund', ['refund_id'], ['id'])

    with op.batch_alter_table('sale_order', schema=None) as batch_op:
        batch_op.create_index('ix_sale_order_customer_phone', ['customer_phone'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sale_order', schema=None) as batch_op:
        batch_op.drop_index('ix_sale_order_customer_phone')

    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.drop_constraint('fk_print_job_refund', type_='foreignkey')
        batch_op.drop_column('refund_id')

    with op.batch_alter_table('refund_ticket', schema=None) as batch_op:
        batch_op.drop_index('ux_refund_ticket_ticket')
        batch_op.drop_index('ix_refund_ticket_refund')

    op.drop_table('refund_ticket')
    with op.batch_alter_table('refund_payment', schema=None) as batch_op:
        batch_op.drop_index('ix_refund_payment_refund')
        batch_op.drop_index('ix_refund_payment_payment')

    op.drop_table('refund_payment')
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.drop_index('ux_refund_request_key')
        batch_op.drop_index('ix_refund_order')

    op.drop_table('refund')
