"""conversation pins: a pinned conversation stays at the top of its user's list (the time of the
pin, NULL for the others). A nullable column: existing rows stay unpinned.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 06:39:14.465479
"""
import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'


def upgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pinned_at', sa.DateTime(timezone=True), nullable=True))
