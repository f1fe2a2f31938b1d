"""workbench ratings: a person's thumbs up or down and note on a cell of a Workbench run, one
per (user, run, case, model, repeat). A new table: no existing row changes. Ratings are kept
apart from the run's JSON, which a background run rewrites while it goes on.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 03:41:44.447444
"""
import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'


def upgrade() -> None:
    op.create_table('workbench_ratings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user', sa.String(length=255), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('case_index', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=255), nullable=False),
    sa.Column('repeat', sa.Integer(), nullable=False),
    sa.Column('thumb', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user', 'run_id', 'case_index', 'model', 'repeat', name='uq_workbench_ratings_cell')
    )
