"""usage source and connection: what made each call and on which connection (issue 24)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 03:24:32.707059
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'


def upgrade() -> None:
    with op.batch_alter_table('usage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('connection', sa.String(length=255), nullable=True))
    # Old rows' source follows from their endpoint, as lib.credits.pricing.source_of says today; their
    # connection was never recorded and stays unknown (NULL).
    op.execute("UPDATE usage SET source = CASE endpoint WHEN 'billing' THEN 'balance' WHEN 'models' THEN 'balance'"
               " WHEN 'video_status' THEN 'video' ELSE endpoint END WHERE source IS NULL")
