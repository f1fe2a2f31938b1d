"""usage reasoning tokens: how many of a reply's completion tokens were a reasoning model's
thinking (null for every call before, and for calls that report none)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 03:15:46.605355
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'


def upgrade() -> None:
    with op.batch_alter_table('usage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reasoning_tokens', sa.Integer(), nullable=True))
