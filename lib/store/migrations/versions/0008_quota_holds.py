"""quota holds: the credits a paid call on the preset connection may cost, held from its quota
check until its ledger row is written, in the database so that every replica sees them
(lib/store/holds.py). A new table: nothing existing changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 15:24:14.300411
"""
import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'


def upgrade() -> None:
    op.create_table('quota_holds',
                    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
                    sa.Column('user', sa.String(length=255), nullable=False),
                    sa.Column('credits', sa.Float(), nullable=False),
                    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('quota_holds', schema=None) as batch_op:
        batch_op.create_index('ix_quota_holds_user', ['user'], unique=False)
