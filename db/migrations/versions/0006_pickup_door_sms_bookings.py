"""pickup and door marks on tickets, online bookings on orders, the SMS outbox, pickup attempts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 19:20:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sale_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True))
        batch_op.add_column(sa.Column('platform_booking_id', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
        batch_op.create_index('ux_sale_order_platform_booking', ['platform', 'platform_booking_id'], unique=True)
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('picked_up_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('picked_up_terminal', sqlmodel.sql.sqltypes.AutoString(length=40),
                                      nullable=True))
        batch_op.add_column(sa.Column('admitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('admitted_terminal', sqlmodel.sql.sqltypes.AutoString(length=40),
                                      nullable=True))
    op.create_table('sms_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('phone_masked', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('body_sealed', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['sale_order.id'], name='fk_sms_order'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_sms_message_due', 'sms_message', ['status', 'next_attempt_at'], unique=False)
    op.create_index('ix_sms_message_order', 'sms_message', ['order_id'], unique=False)
    op.create_table('pickup_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('terminal_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('hint', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['sale_order.id'], name='fk_pickup_attempt_order'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_pickup_attempt_terminal_at', 'pickup_attempt', ['terminal_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_pickup_attempt_terminal_at', table_name='pickup_attempt')
    op.drop_table('pickup_attempt')
    op.drop_index('ix_sms_message_order', table_name='sms_message')
    op.drop_index('ix_sms_message_due', table_name='sms_message')
    op.drop_table('sms_message')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        for column in ('admitted_terminal', 'admitted_at', 'picked_up_terminal', 'picked_up_at'):
            batch_op.drop_column(column)
    with op.batch_alter_table('sale_order', schema=None) as batch_op:
        batch_op.drop_index('ux_sale_order_platform_booking')
        batch_op.drop_column('platform_booking_id')
        batch_op.drop_column('platform')
