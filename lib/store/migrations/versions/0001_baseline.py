"""Baseline: the schema as it was when migrations began (releases up to 2026-12-07).

Revision ID: 0001
Revises:
Create Date: 2026-12-07

Earlier releases made their tables with `create_all`, one table at a time as features arrived,
and added three nullable `video_tasks` columns by hand. So this revision creates only the
tables that are missing and adds the nullable columns a table lacks: on an empty database it
makes the whole schema, on a database from any earlier release it completes it, and either way
the result is this schema (tests/unit/test_migrations.py checks both). Later revisions are
ordinary Alembic operations.

The tables are written out here, not imported from lib/store: this revision must keep making
the same schema when the models change.
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None

_when = sa.DateTime(timezone=True)
schema = sa.MetaData()


def _table(name: str, *columns, ids: bool = True) -> sa.Table:
    keys = [sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("user", sa.String(255), nullable=False)] if ids else []
    return sa.Table(name, schema, *keys, *columns)


_table(
    "conversations",
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("created_at", _when, nullable=False),
    sa.Column("updated_at", _when, nullable=False),
    sa.Index("ix_conversations_user_updated", "user", "updated_at"),
)
sa.Table(
    "messages", schema,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.Integer,
              sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("user", sa.String(255), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("meta", sa.JSON, nullable=False),
    sa.Column("created_at", _when, nullable=False),
    sa.Index("ix_messages_conversation_id", "conversation_id", "id"),
)
_table(
    "usage",
    sa.Column("ts", _when, nullable=False),
    sa.Column("endpoint", sa.String(64), nullable=False),
    sa.Column("model", sa.String(255)),
    sa.Column("status", sa.Integer),
    sa.Column("error_kind", sa.String(64)),
    sa.Column("latency_ms", sa.Float),
    sa.Column("prompt_tokens", sa.Integer),
    sa.Column("completion_tokens", sa.Integer),
    sa.Column("credits", sa.Float, nullable=False),
    sa.Column("request_id", sa.String(255)),
    sa.Index("ix_usage_user_ts", "user", "ts"),
    sa.Index("ix_usage_ts", "ts"),
)
_table(
    "sign_outs",
    sa.Column("user", sa.String(255), primary_key=True),
    sa.Column("signed_out_at", _when, nullable=False),
    ids=False,
)
_table(
    "login_failures",
    sa.Column("scope", sa.String(16), primary_key=True),
    sa.Column("subject", sa.String(255), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure_at", _when, nullable=False),
    ids=False,
)
_table(
    "media",
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("prompt", sa.Text, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("mime", sa.String(255), nullable=False),
    sa.Column("width", sa.Integer),
    sa.Column("height", sa.Integer),
    sa.Column("credits", sa.Float, nullable=False),
    sa.Column("meta", sa.JSON, nullable=False),
    sa.Column("created_at", _when, nullable=False),
    sa.Index("ix_media_user_kind", "user", "kind", "id"),
)
_table(
    "uploads",
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("stored_filename", sa.String(1000)),
    sa.Column("original_filename", sa.String(1000)),
    sa.Column("size", sa.BigInteger),
    sa.Column("mime", sa.String(255)),
    sa.Column("expire_at", _when),
    sa.Column("thumbnail", sa.LargeBinary),
    sa.Column("created_at", _when, nullable=False),
    sa.Index("ix_uploads_user", "user", "id"),
)
_table(
    "user_settings",
    sa.Column("user", sa.String(255), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", sa.JSON),
    ids=False,
)
_table(
    "prices",
    sa.Column("endpoint", sa.String(64), primary_key=True),
    sa.Column("model", sa.String(255), primary_key=True),
    sa.Column("per_call", sa.Float, nullable=False),
    sa.Column("per_1k_tokens", sa.Float, nullable=False),
    sa.Column("updated_at", _when, nullable=False),
    ids=False,
)
_table(
    "shares",
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("media", sa.LargeBinary),
    sa.Column("media_mime", sa.String(255)),
    sa.Column("expires_at", _when),
    sa.Column("revoked_at", _when),
    sa.Column("views", sa.Integer, nullable=False),
    sa.Column("created_at", _when, nullable=False),
    sa.Index("ix_shares_user", "user", "id"),
)
_table(
    "video_tasks",
    sa.Column("task_id", sa.String(255), nullable=False),
    sa.Column("prompt", sa.Text, nullable=False),
    sa.Column("model", sa.String(255)),
    sa.Column("duration", sa.Integer),
    sa.Column("aspect_ratio", sa.String(32)),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("raw_status", sa.String(255)),
    sa.Column("progress", sa.Float),
    sa.Column("video_url", sa.Text),
    sa.Column("error", sa.Text),
    sa.Column("credits", sa.Float, nullable=False),
    sa.Column("refunded", sa.Boolean, nullable=False),
    sa.Column("created_at", _when, nullable=False),
    sa.Column("updated_at", _when, nullable=False),
    sa.Column("finished_at", _when),
    sa.Column("last_polled_at", _when),
    sa.Column("poll_errors", sa.Integer, nullable=False),
    sa.Column("hidden", sa.Boolean, nullable=False),
    sa.Column("connection", sa.String(64)),  # added 2026-11-27 (NULL in older rows)
    sa.Column("video_media_id", sa.Integer),  # added 2026-11-27
    sa.Column("poster_media_id", sa.Integer),  # added 2026-11-27
    sa.UniqueConstraint("user", "task_id", name="uq_video_tasks_user_task"),
)
_table(
    "workbench_runs",
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("parent_id", sa.Integer),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("prompt", sa.JSON, nullable=False),
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("cases", sa.JSON, nullable=False),
    sa.Column("results", sa.JSON, nullable=False),
    sa.Column("created_at", _when, nullable=False),
    sa.Column("updated_at", _when, nullable=False),
    sa.Index("ix_workbench_runs_user_id", "user", "id"),
)
_table(
    "ballots",
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("subject", sa.String(64), nullable=False),
    sa.Column("prompt", sa.Text, nullable=False),
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("closes_at", _when, nullable=False),
    sa.Column("closed_at", _when),
    sa.Column("revealed_at", _when),
    sa.Column("created_at", _when, nullable=False),
    sa.Index("ix_ballots_user_subject", "user", "subject"),
)
_table(
    "votes",
    sa.Column("voter", sa.String(255), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("subject", sa.String(64), nullable=False),
    sa.Column("models", sa.JSON, nullable=False),
    sa.Column("outcome", sa.String(8), nullable=False),
    sa.Column("prompt", sa.Text, nullable=False),
    sa.Column("ballot_id", sa.Integer, sa.ForeignKey("ballots.id", ondelete="CASCADE")),
    sa.Column("address", sa.String(64)),
    sa.Column("created_at", _when, nullable=False),
    sa.UniqueConstraint("user", "subject", "voter", name="uq_votes_user_subject_voter"),
    sa.Index("ix_votes_ballot", "ballot_id"),
    sa.Index("ix_votes_address", "address", "created_at"),
)


def upgrade() -> None:
    bind = op.get_bind()
    existing = set(sa.inspect(bind).get_table_names())
    for table in schema.sorted_tables:
        if table.name not in existing:
            table.create(bind)
            continue
        present = {column["name"] for column in sa.inspect(bind).get_columns(table.name)}
        for column in table.c:
            if column.name not in present:
                # Only nullable columns were ever added to an existing table: old rows get NULL.
                assert column.nullable, f"{table.name}.{column.name} cannot be added to old rows"
                op.add_column(table.name, sa.Column(column.name, column.type))
