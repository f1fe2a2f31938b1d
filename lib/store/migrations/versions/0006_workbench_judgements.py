"""workbench judgements: judged checks' verdicts kept per user by their cache key (rubric filled
with the case, output, judge model), so they outlive the process that paid for them. A new
table: no existing row changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 06:05:44.888722
"""
import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'


def upgrade() -> None:
    op.create_table('workbench_judgements',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user', sa.String(length=255), nullable=False),
    sa.Column('cache_key', sa.String(length=64), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user', 'cache_key', name='uq_workbench_judgements_user_cache_key')
    )
