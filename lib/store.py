"""The playground's database: conversations, messages, settings, the usage ledger, media,
uploads, video tasks and price overrides.

One SQLAlchemy URL decides where it lives: by default a SQLite file under data/, but the same
code runs on PostgreSQL (`postgresql+psycopg://...`), so nothing here may be SQLite-only SQL.

Every method that touches user data takes `user` first and filters by it, so one user can never
read or change another's rows by guessing ids. Only `admin_*` methods read across users.
Callers get dataclasses, dicts or DataFrames, never sessions or rows. All times are aware UTC.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from lib.pricing import DEFAULT_PRICES, Price
from lib.video_status import COMPLETED, FAILED, FINISHED, QUEUED, RUNNING

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VIDEO_STATUSES = (QUEUED, RUNNING, COMPLETED, FAILED)


def default_url() -> str:
    """The SQLite file data/playground.db under the project root (data/ is git-ignored)."""
    data_dir = PROJECT_ROOT / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'playground.db'}"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """DateTime that always stores UTC and always returns aware UTC datetimes.

    SQLite has no time zone type and hands back naive values; PostgreSQL returns values in the
    session's zone. Normalising here keeps both identical for callers.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store only accepts aware datetimes")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite: we stored UTC, so it is UTC
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# --- schema ---------------------------------------------------------------------------------

metadata = sa.MetaData()


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def _user() -> sa.Column:
    return sa.Column("user", sa.String(255), nullable=False)


def _created() -> sa.Column:
    return sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow)


conversations = sa.Table(
    "conversations", metadata, _id(), _user(),
    sa.Column("title", sa.String(500), nullable=False, default=""),
    sa.Column("settings", sa.JSON, nullable=False, default=dict),
    _created(),
    sa.Column("updated_at", UTCDateTime, nullable=False, default=utcnow),
    sa.Index("ix_conversations_user_updated", "user", "updated_at"),
)

messages = sa.Table(
    "messages", metadata, _id(),
    sa.Column("conversation_id", sa.Integer,
              sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    _user(),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("content", sa.Text, nullable=False, default=""),
    sa.Column("meta", sa.JSON, nullable=False, default=dict),
    _created(),
    # "the last N messages" is an index range scan backwards from the newest id.
    sa.Index("ix_messages_conversation_id", "conversation_id", "id"),
)

user_settings = sa.Table(
    "user_settings", metadata,
    sa.Column("user", sa.String(255), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", sa.JSON),
)

usage = sa.Table(
    "usage", metadata, _id(), _user(),
    sa.Column("ts", UTCDateTime, nullable=False, default=utcnow),
    sa.Column("endpoint", sa.String(64), nullable=False),
    sa.Column("model", sa.String(255)),
    sa.Column("status", sa.Integer),
    sa.Column("error_kind", sa.String(64)),
    sa.Column("latency_ms", sa.Float),
    sa.Column("prompt_tokens", sa.Integer),
    sa.Column("completion_tokens", sa.Integer),
    sa.Column("credits", sa.Float, nullable=False, default=0.0),
    sa.Column("request_id", sa.String(255)),
    sa.Index("ix_usage_user_ts", "user", "ts"),
    sa.Index("ix_usage_ts", "ts"),
)

media = sa.Table(
    "media", metadata, _id(), _user(),
    sa.Column("kind", sa.String(32), nullable=False, default="image"),
    sa.Column("prompt", sa.Text, nullable=False, default=""),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("mime", sa.String(255), nullable=False),
    sa.Column("width", sa.Integer),
    sa.Column("height", sa.Integer),
    sa.Column("credits", sa.Float, nullable=False, default=0.0),
    sa.Column("meta", sa.JSON, nullable=False, default=dict),
    _created(),
    sa.Index("ix_media_user_kind", "user", "kind", "id"),
)

uploads = sa.Table(
    "uploads", metadata, _id(), _user(),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("stored_filename", sa.String(1000)),
    sa.Column("original_filename", sa.String(1000)),
    sa.Column("size", sa.BigInteger),
    sa.Column("mime", sa.String(255)),
    sa.Column("expire_at", UTCDateTime),
    sa.Column("thumbnail", sa.LargeBinary),
    _created(),
    sa.Index("ix_uploads_user", "user", "id"),
)

video_tasks = sa.Table(
    "video_tasks", metadata, _id(), _user(),
    sa.Column("task_id", sa.String(255), nullable=False),
    sa.Column("prompt", sa.Text, nullable=False, default=""),
    sa.Column("model", sa.String(255)),
    sa.Column("duration", sa.Integer),
    sa.Column("aspect_ratio", sa.String(32)),
    sa.Column("status", sa.String(32), nullable=False, default=QUEUED),
    sa.Column("raw_status", sa.String(255)),
    sa.Column("progress", sa.Float),
    sa.Column("video_url", sa.Text),
    sa.Column("error", sa.Text),
    sa.Column("credits", sa.Float, nullable=False, default=0.0),
    sa.Column("refunded", sa.Boolean, nullable=False, default=False),
    _created(),
    sa.Column("updated_at", UTCDateTime, nullable=False, default=utcnow),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("last_polled_at", UTCDateTime),
    sa.Column("poll_errors", sa.Integer, nullable=False, default=0),
    sa.Column("hidden", sa.Boolean, nullable=False, default=False),
    # Which connection made the task (lib.videos.connection_fingerprint, never a key): it is
    # polled on that one only. NULL in rows from before the column existed.
    sa.Column("connection", sa.String(64)),
    # Our own copy of the finished video and its poster frame, as rows of `media` (NULL until
    # kept): the provider's URL expires, the copy does not.
    sa.Column("video_media_id", sa.Integer),
    sa.Column("poster_media_id", sa.Integer),
    sa.UniqueConstraint("user", "task_id", name="uq_video_tasks_user_task"),
)

prices = sa.Table(
    "prices", metadata,
    sa.Column("endpoint", sa.String(64), primary_key=True),
    sa.Column("model", sa.String(255), primary_key=True),
    sa.Column("per_call", sa.Float, nullable=False, default=0.0),
    sa.Column("per_1k_tokens", sa.Float, nullable=False, default=0.0),
    sa.Column("updated_at", UTCDateTime, nullable=False, default=utcnow),
)


# --- what callers get back ------------------------------------------------------------------

@dataclass
class Conversation:
    id: int
    user: str
    title: str
    settings: dict
    created_at: datetime
    updated_at: datetime


@dataclass
class Message:
    id: int
    conversation_id: int
    user: str
    role: str
    content: str
    meta: dict
    created_at: datetime


@dataclass
class Media:
    id: int
    user: str
    kind: str
    prompt: str
    mime: str
    width: int | None
    height: int | None
    credits: float
    meta: dict
    created_at: datetime


@dataclass
class Upload:
    id: int
    user: str
    url: str
    stored_filename: str | None
    original_filename: str | None
    size: int | None
    mime: str | None
    expire_at: datetime | None
    thumbnail: bytes | None
    created_at: datetime


@dataclass
class VideoTask:
    id: int
    user: str
    task_id: str
    prompt: str
    model: str | None
    duration: int | None
    aspect_ratio: str | None
    status: str
    raw_status: str | None
    progress: float | None
    video_url: str | None
    error: str | None
    credits: float
    refunded: bool
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    last_polled_at: datetime | None
    poll_errors: int
    hidden: bool
    connection: str | None
    video_media_id: int | None
    poster_media_id: int | None


def _columns_for(cls: type, table: sa.Table) -> list[sa.Column]:
    """The table's columns the dataclass holds (Media leaves out the image bytes)."""
    return [table.c[f.name] for f in dataclasses.fields(cls)]


def _to(cls: type, row) -> Any:
    return None if row is None else cls(**row._mapping)


USAGE_INT_COLUMNS = ("status", "prompt_tokens", "completion_tokens")


# --- login: sign-outs and failed attempts ---------------------------------------------------
# Kept in the database, not the session, so a reload or another replica sees them too.

sign_outs = sa.Table(
    "sign_outs", metadata,
    sa.Column("user", sa.String(255), primary_key=True),
    # Every login cookie issued before this moment is refused.
    sa.Column("signed_out_at", UTCDateTime, nullable=False),
)

login_failures = sa.Table(
    "login_failures", metadata,
    sa.Column("scope", sa.String(16), primary_key=True),  # "user" or "client"
    sa.Column("subject", sa.String(255), primary_key=True),  # a username or a client address
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure_at", UTCDateTime, nullable=False),
)


@dataclass
class LoginFailures:
    failures: int
    last_failure_at: datetime


class _LoginRecords:
    """The Store's login methods: "signed out everywhere" records and failed-login counters."""

    engine: Engine

    def sign_out_everywhere(self, user: str, at: datetime | None = None) -> None:
        self._upsert(sign_outs, dict(user=user), dict(signed_out_at=at or utcnow()))

    def signed_out_at(self, user: str) -> datetime | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sign_outs.c.signed_out_at).where(sign_outs.c.user == user)).scalar()

    def record_login_failure(self, scope: str, subject: str, at: datetime | None = None) -> LoginFailures:
        """Count one more failure, atomically, so concurrent failures on any replica all count."""
        try:
            return self._bump_login_failures(scope, subject, at or utcnow())
        except IntegrityError:  # another writer inserted the first failure: the UPDATE now finds it
            return self._bump_login_failures(scope, subject, at or utcnow())

    def _bump_login_failures(self, scope: str, subject: str, at: datetime) -> LoginFailures:
        where = _failures_of(scope, subject)
        with self.engine.begin() as conn:
            bumped = login_failures.update().where(*where).values(
                failures=login_failures.c.failures + 1, last_failure_at=at)
            if not conn.execute(bumped).rowcount:
                conn.execute(login_failures.insert().values(
                    scope=scope, subject=subject, failures=1, last_failure_at=at))
            return _to(LoginFailures, conn.execute(_select_failures(*where)).one())

    def get_login_failures(self, scope: str, subject: str) -> LoginFailures | None:
        with self.engine.connect() as conn:
            return _to(LoginFailures, conn.execute(_select_failures(*_failures_of(scope, subject))).first())

    def clear_login_failures(self, scope: str, subject: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(login_failures.delete().where(*_failures_of(scope, subject)))


def _failures_of(scope: str, subject: str) -> tuple:
    return login_failures.c.scope == scope, login_failures.c.subject == subject


def _select_failures(*where) -> sa.Select:
    return sa.select(*_columns_for(LoginFailures, login_failures)).where(*where)


# --- workbench runs -------------------------------------------------------------------------
# A run is the workbench's whole record as JSON (prompt, settings, cases, results), so a run
# made by an older version still opens; only what lists and filters runs has its own column.

workbench_runs = sa.Table(
    "workbench_runs", metadata, _id(), _user(),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("parent_id", sa.Integer),
    sa.Column("status", sa.String(32), nullable=False, default="running"),
    sa.Column("prompt", sa.JSON, nullable=False, default=dict),
    sa.Column("settings", sa.JSON, nullable=False, default=dict),
    sa.Column("cases", sa.JSON, nullable=False, default=list),
    sa.Column("results", sa.JSON, nullable=False, default=list),
    _created(),
    sa.Column("updated_at", UTCDateTime, nullable=False, default=utcnow),
    sa.Index("ix_workbench_runs_user_id", "user", "id"),
)
_RUN_SUMMARY = ("id", "version", "parent_id", "status", "prompt", "settings", "created_at", "updated_at")


class _WorkbenchRuns:
    engine: Engine

    def add_workbench_run(self, user: str, run: dict, *, version: int = 1, parent_id: int | None = None,
                          status: str = "running") -> int:
        now = utcnow()
        with self.engine.begin() as conn:
            return conn.execute(workbench_runs.insert().values(
                user=user, version=version, parent_id=parent_id, status=status, prompt=run["prompt"],
                settings=run["settings"], cases=run["cases"], results=run.get("results", []),
                created_at=now, updated_at=now)).inserted_primary_key[0]

    def save_workbench_results(self, user: str, run_id: int, results: list[dict], status: str) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(workbench_runs.update().where(*_mine(workbench_runs, user, run_id)).values(
                results=results, status=status, updated_at=utcnow())).rowcount > 0

    def get_workbench_run(self, user: str, run_id: int) -> dict | None:
        """The whole run as a dict (prompt, settings, cases, results and the columns), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(workbench_runs).where(*_mine(workbench_runs, user, run_id))).first()
        return dict(row._mapping) if row else None

    def list_workbench_runs(self, user: str, limit: int = 100) -> list[dict]:
        """The user's runs, newest first, without their cases and results (they can be large)."""
        stmt = (sa.select(*(workbench_runs.c[name] for name in _RUN_SUMMARY))
                .where(workbench_runs.c.user == user).order_by(workbench_runs.c.id.desc()).limit(limit))
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(stmt)]

    def delete_workbench_run(self, user: str, run_id: int) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(workbench_runs.delete().where(*_mine(workbench_runs, user, run_id))).rowcount > 0


# --- shares: read-only links to a snapshot --------------------------------------------------
# A share is looked up by the hash of its token, by anyone holding the token (that is the
# point of a link); only its owner lists or revokes it. The token itself is never stored.

shares = sa.Table(
    "shares", metadata, _id(), _user(),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("title", sa.String(500), nullable=False, default=""),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("payload", sa.JSON, nullable=False, default=dict),
    # The image or video copied into the share, so deleting the original does not empty it.
    sa.Column("media", sa.LargeBinary),
    sa.Column("media_mime", sa.String(255)),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("revoked_at", UTCDateTime),
    sa.Column("views", sa.Integer, nullable=False, default=0),
    _created(),
    sa.Index("ix_shares_user", "user", "id"),
)


@dataclass
class ShareInfo:
    """What the owner's list shows: everything but the snapshot itself."""
    id: int
    user: str
    token_hash: str
    kind: str
    title: str
    note: str
    media_mime: str | None
    expires_at: datetime | None
    revoked_at: datetime | None
    views: int
    created_at: datetime


@dataclass
class Share(ShareInfo):
    payload: dict


class _ShareRecords:
    """The Store's share methods."""

    engine: Engine

    def add_share(self, user: str, *, token_hash: str, kind: str, title: str, note: str, payload: dict,
                  media: bytes | None = None, media_mime: str | None = None,
                  expires_at: datetime | None = None) -> Share:
        with self.engine.begin() as conn:
            new_id = conn.execute(shares.insert().values(
                user=user, token_hash=token_hash, kind=kind, title=title, note=note, payload=payload,
                media=media, media_mime=media_mime, expires_at=expires_at, views=0,
                created_at=utcnow())).inserted_primary_key[0]
        return self._one(Share, shares, shares.c.id == new_id)

    def share_by_token_hash(self, token_hash: str) -> Share | None:
        """Any user's share: whoever holds the token may read it."""
        return self._one(Share, shares, shares.c.token_hash == token_hash)

    def share_media(self, share_id: int) -> bytes | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(shares.c.media).where(shares.c.id == share_id)).scalar_one_or_none()

    def count_share_view(self, share_id: int) -> None:
        """One more view, counted in the database so concurrent viewers on any replica all count."""
        self._update(shares, dict(views=shares.c.views + 1), shares.c.id == share_id)

    def list_shares(self, user: str) -> list[ShareInfo]:
        return self._many(ShareInfo, shares, shares.c.user == user, order_by=[shares.c.id.desc()])

    def revoke_share(self, user: str, share_id: int, at: datetime | None = None) -> bool:
        """True when the share is the user's and was live; a revoked share stays revoked."""
        return self._update(shares, dict(revoked_at=at or utcnow()), *_mine(shares, user, share_id),
                            shares.c.revoked_at.is_(None))


# --- the store ------------------------------------------------------------------------------

class Store(_LoginRecords, _WorkbenchRuns, _ShareRecords):
    """All persistence. Thread-safe: each method runs in its own short transaction."""

    # Exposed so an aggregation module can run GROUP BY on them with `store.engine`.
    conversations, messages, user_settings, usage = conversations, messages, user_settings, usage
    media, uploads, video_tasks, prices = media, uploads, video_tasks, prices

    def __init__(self, url: str):
        self.url = url
        self.engine: Engine = _make_engine(url)
        metadata.create_all(self.engine)
        _add_missing_video_task_columns(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    # -- helpers --

    def _one(self, cls: type, table: sa.Table, *where) -> Any:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(*_columns_for(cls, table)).where(*where)).first()
        return _to(cls, row)

    def _many(self, cls: type, table: sa.Table, *where, order_by=None, limit=None) -> list:
        stmt = sa.select(*_columns_for(cls, table)).where(*where)
        if order_by is not None:
            stmt = stmt.order_by(*order_by)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return [_to(cls, row) for row in conn.execute(stmt)]

    def _insert(self, cls: type, table: sa.Table, values: dict) -> Any:
        with self.engine.begin() as conn:
            new_id = conn.execute(table.insert().values(**values)).inserted_primary_key[0]
        return self._one(cls, table, table.c.id == new_id)

    def _update(self, table: sa.Table, values: dict, *where) -> bool:
        """Update the matching rows; True when at least one row was the caller's to change."""
        with self.engine.begin() as conn:
            return conn.execute(table.update().where(*where).values(**values)).rowcount > 0

    def _delete(self, table: sa.Table, *where) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(table.delete().where(*where)).rowcount > 0

    def _upsert(self, table: sa.Table, keys: dict, values: dict) -> None:
        """Insert or update by primary key, with plain UPDATE then INSERT (works on any database).

        If another writer inserts the same key between the two, our INSERT fails; the retry's
        UPDATE then finds the row.
        """
        where = [table.c[name] == value for name, value in keys.items()]
        for attempt in range(2):
            try:
                with self.engine.begin() as conn:
                    if conn.execute(table.update().where(*where).values(**values)).rowcount:
                        return
                    conn.execute(table.insert().values(**keys, **values))
                    return
            except IntegrityError:
                if attempt:
                    raise

    # -- conversations --

    def create_conversation(self, user: str, title: str, settings: dict | None = None) -> Conversation:
        now = utcnow()
        return self._insert(Conversation, conversations, dict(
            user=user, title=title, settings=settings or {}, created_at=now, updated_at=now))

    def list_conversations(self, user: str) -> list[Conversation]:
        """The user's conversations, most recently updated first."""
        c = conversations.c
        return self._many(Conversation, conversations, c.user == user,
                          order_by=[c.updated_at.desc(), c.id.desc()])

    def get_conversation(self, user: str, conversation_id: int) -> Conversation | None:
        return self._one(Conversation, conversations, *_mine(conversations, user, conversation_id))

    def rename_conversation(self, user: str, conversation_id: int, title: str) -> bool:
        return self._update(conversations, dict(title=title, updated_at=utcnow()),
                            *_mine(conversations, user, conversation_id))

    def update_conversation_settings(self, user: str, conversation_id: int, settings: dict) -> bool:
        return self._update(conversations, dict(settings=settings, updated_at=utcnow()),
                            *_mine(conversations, user, conversation_id))

    def touch_conversation(self, user: str, conversation_id: int) -> bool:
        """Mark the conversation as just used, moving it to the top of the list."""
        return self._update(conversations, dict(updated_at=utcnow()),
                            *_mine(conversations, user, conversation_id))

    def delete_conversation(self, user: str, conversation_id: int) -> bool:
        """Delete the conversation and its messages (explicitly: SQLite may not cascade)."""
        with self.engine.begin() as conn:
            mine = conn.execute(sa.select(conversations.c.id).where(
                *_mine(conversations, user, conversation_id))).first()
            if mine is None:
                return False
            conn.execute(messages.delete().where(messages.c.conversation_id == conversation_id))
            conn.execute(conversations.delete().where(conversations.c.id == conversation_id))
        return True

    # -- messages --

    def add_message(self, user: str, conversation_id: int, role: str, content: str,
                    meta: dict | None = None) -> Message | None:
        """Append a message and bump the conversation; None if the conversation is not the user's."""
        now = utcnow()
        with self.engine.begin() as conn:
            bumped = conn.execute(conversations.update().where(
                *_mine(conversations, user, conversation_id)).values(updated_at=now)).rowcount
            if not bumped:
                return None
            new_id = conn.execute(messages.insert().values(
                conversation_id=conversation_id, user=user, role=role, content=content,
                meta=meta or {}, created_at=now)).inserted_primary_key[0]
        return self._one(Message, messages, messages.c.id == new_id)

    def update_message(self, user: str, message_id: int, content: str | None = None,
                       meta: dict | None = None) -> bool:
        """Replace the content and/or the whole meta dict (e.g. while and after streaming)."""
        values = {k: v for k, v in (("content", content), ("meta", meta)) if v is not None}
        if not values:
            return False
        return self._update(messages, values, *_mine(messages, user, message_id))

    def delete_message(self, user: str, message_id: int) -> bool:
        return self._delete(messages, *_mine(messages, user, message_id))

    def list_messages(self, user: str, conversation_id: int, limit: int | None = None) -> list[Message]:
        """Messages in chronological order; with `limit`, only the last `limit` of them."""
        c = messages.c
        where = (c.user == user, c.conversation_id == conversation_id)
        if limit is None:
            return self._many(Message, messages, *where, order_by=[c.id])
        # Newest first through the (conversation_id, id) index, then flip back to chronological.
        return self._many(Message, messages, *where, order_by=[c.id.desc()], limit=limit)[::-1]

    def count_messages(self, user: str, conversation_id: int) -> int:
        c = messages.c
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(messages).where(
                c.user == user, c.conversation_id == conversation_id)).scalar_one()

    # -- per-user settings --

    def get_setting(self, user: str, key: str, default: Any = None) -> Any:
        c = user_settings.c
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(c.value).where(c.user == user, c.key == key)).first()
        return default if row is None else row.value

    def set_setting(self, user: str, key: str, value: Any) -> None:
        self._upsert(user_settings, dict(user=user, key=key), dict(value=value))

    # -- usage ledger --

    def add_usage(self, user: str, *, endpoint: str, model: str | None = None,
                  status: int | None = None, error_kind: str | None = None,
                  latency_ms: float | None = None, prompt_tokens: int | None = None,
                  completion_tokens: int | None = None, credits: float = 0.0,
                  request_id: str | None = None, ts: datetime | None = None) -> int:
        """Record one call (credits < 0 records a refund). Returns the ledger row id."""
        with self.engine.begin() as conn:
            return conn.execute(usage.insert().values(
                user=user, ts=ts or utcnow(), endpoint=endpoint, model=model, status=status,
                error_kind=error_kind, latency_ms=latency_ms, prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens, credits=credits, request_id=request_id,
            )).inserted_primary_key[0]

    def add_usage_rows(self, rows: list[dict]) -> None:
        """Bulk insert (benchmarks, tests). Each dict names its user; missing columns default."""
        if not rows:
            return
        defaults = {c.name: None for c in usage.c if c.name not in ("id", "user", "endpoint")}
        now = utcnow()
        full = [{**defaults, "credits": 0.0, **row, "ts": row.get("ts") or now} for row in rows]
        with self.engine.begin() as conn:
            conn.execute(usage.insert(), full)  # executemany: one round trip per batch

    def usage_between(self, user: str, start: datetime | None = None,
                      end: datetime | None = None) -> pd.DataFrame:
        """The user's ledger rows with start <= ts < end, oldest first."""
        return self._usage_frame(usage.c.user == user, start, end)

    def admin_usage_between(self, start: datetime | None = None,
                            end: datetime | None = None) -> pd.DataFrame:
        """Every user's ledger rows with start <= ts < end, oldest first."""
        return self._usage_frame(sa.true(), start, end)

    def _usage_frame(self, who, start: datetime | None, end: datetime | None) -> pd.DataFrame:
        c = usage.c
        stmt = sa.select(usage).where(who).order_by(c.ts, c.id)
        if start is not None:
            stmt = stmt.where(c.ts >= start)
        if end is not None:
            stmt = stmt.where(c.ts < end)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=[col.name for col in usage.c])
        # Fixed dtypes even when empty or all-null, so aggregations never guess.
        frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
        for name in USAGE_INT_COLUMNS:
            frame[name] = frame[name].astype("Int64")
        for name in ("latency_ms", "credits"):
            frame[name] = frame[name].astype("float64")
        return frame

    # -- generated media --

    def add_media(self, user: str, *, data: bytes, mime: str, prompt: str = "",
                  kind: str = "image", width: int | None = None, height: int | None = None,
                  credits: float = 0.0, meta: dict | None = None) -> Media:
        return self._insert(Media, media, dict(
            user=user, kind=kind, prompt=prompt, data=data, mime=mime, width=width, height=height,
            credits=credits, meta=meta or {}, created_at=utcnow()))

    def list_media(self, user: str, kind: str = "image", limit: int | None = None) -> list[Media]:
        """Newest first, without the bytes (a gallery must not load every image)."""
        c = media.c
        return self._many(Media, media, c.user == user, c.kind == kind,
                          order_by=[c.id.desc()], limit=limit)

    def get_media(self, user: str, media_id: int) -> Media | None:
        return self._one(Media, media, *_mine(media, user, media_id))

    def get_media_bytes(self, user: str, media_id: int) -> bytes | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(media.c.data).where(
                *_mine(media, user, media_id))).scalar_one_or_none()

    def delete_media(self, user: str, media_id: int) -> bool:
        return self._delete(media, *_mine(media, user, media_id))

    def update_media_meta(self, user: str, media_id: int, meta: dict) -> bool:
        """Replace the whole meta dict (e.g. to remember the link an image was uploaded to)."""
        return self._update(media, dict(meta=meta), *_mine(media, user, media_id))

    def count_media(self, user: str, kind: str = "image") -> int:
        c = media.c
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(media).where(
                c.user == user, c.kind == kind)).scalar_one()

    # -- uploads --

    def add_upload(self, user: str, *, url: str, stored_filename: str | None = None,
                   original_filename: str | None = None, size: int | None = None,
                   mime: str | None = None, expire_at: datetime | None = None,
                   thumbnail: bytes | None = None) -> Upload:
        return self._insert(Upload, uploads, dict(
            user=user, url=url, stored_filename=stored_filename,
            original_filename=original_filename, size=size, mime=mime, expire_at=expire_at,
            thumbnail=thumbnail, created_at=utcnow()))

    def list_uploads(self, user: str) -> list[Upload]:
        return self._many(Upload, uploads, uploads.c.user == user, order_by=[uploads.c.id.desc()])

    def get_upload(self, user: str, upload_id: int) -> Upload | None:
        return self._one(Upload, uploads, *_mine(uploads, user, upload_id))

    def delete_upload(self, user: str, upload_id: int) -> bool:
        return self._delete(uploads, *_mine(uploads, user, upload_id))

    # -- video tasks --

    def add_video_task(self, user: str, task_id: str, prompt: str, model: str | None,
                       duration: int | None, aspect_ratio: str | None,
                       credits: float = 0.0, connection: str | None = None) -> VideoTask:
        now = utcnow()
        return self._insert(VideoTask, video_tasks, dict(
            user=user, task_id=task_id, prompt=prompt, model=model, duration=duration,
            aspect_ratio=aspect_ratio, credits=credits, status=QUEUED, created_at=now,
            updated_at=now, connection=connection))

    def get_video_task(self, user: str, task_id: str) -> VideoTask | None:
        return self._one(VideoTask, video_tasks, *_task(user, task_id))

    def update_video_task(self, user: str, task_id: str, **fields: Any) -> VideoTask | None:
        """Change any task columns; sets updated_at, and finished_at when it first finishes."""
        unknown = set(fields) - _VIDEO_UPDATABLE
        if unknown:
            raise ValueError(f"not updatable video task fields: {sorted(unknown)}")
        status = fields.get("status")
        if status is not None and status not in VIDEO_STATUSES:
            raise ValueError(f"status {status!r} is not one of {VIDEO_STATUSES}")
        now = utcnow()
        with self.engine.begin() as conn:
            if not conn.execute(video_tasks.update().where(*_task(user, task_id))
                                .values(**fields, updated_at=now)).rowcount:
                return None
            if status in FINISHED and "finished_at" not in fields:
                conn.execute(video_tasks.update().where(
                    *_task(user, task_id), video_tasks.c.finished_at.is_(None))
                    .values(finished_at=now))
        return self.get_video_task(user, task_id)

    def list_video_tasks(self, user: str, include_hidden: bool = False) -> list[VideoTask]:
        c = video_tasks.c
        where = [c.user == user] + ([] if include_hidden else [c.hidden.is_(False)])
        return self._many(VideoTask, video_tasks, *where, order_by=[c.id.desc()])

    def unfinished_video_tasks(self, user: str) -> list[VideoTask]:
        """Tasks still to poll, hidden ones included: a hidden task may yet fail and need a refund."""
        c = video_tasks.c
        return self._many(VideoTask, video_tasks, c.user == user, c.status.not_in(FINISHED),
                          order_by=[c.id.desc()])

    def hide_video_task(self, user: str, task_id: str, hidden: bool = True) -> bool:
        """Take the task off the list (or, with `hidden=False`, put it back: the undo)."""
        return self._update(video_tasks, dict(hidden=hidden, updated_at=utcnow()),
                            *_task(user, task_id))

    # The one place video bytes are written and read: moving them to object storage means
    # changing these two methods (store the object's key in `media` instead of the bytes).

    def keep_task_video(self, user: str, task_id: str, video: bytes, mime: str,
                        poster: bytes | None = None) -> bool:
        """Store the finished task's video (and its JPEG poster frame) as media rows of the
        user. Once per task: True for the one caller that stored it; another tab or replica
        that downloaded it at the same moment stores nothing (its rows are rolled back)."""
        task = self.get_video_task(user, task_id)
        if task is None or task.video_media_id is not None:
            return False
        now, prompt = utcnow(), task.prompt
        try:
            with self.engine.begin() as conn:
                video_id = conn.execute(media.insert().values(
                    user=user, kind="video", prompt=prompt, data=video, mime=mime, meta={"task_id": task_id},
                    created_at=now)).inserted_primary_key[0]
                poster_id = None if poster is None else conn.execute(media.insert().values(
                    user=user, kind="video_poster", prompt=prompt, data=poster, mime="image/jpeg",
                    meta={"task_id": task_id}, created_at=now)).inserted_primary_key[0]
                claimed = conn.execute(video_tasks.update().where(
                    *_task(user, task_id), video_tasks.c.video_media_id.is_(None)).values(
                    video_media_id=video_id, poster_media_id=poster_id, updated_at=now)).rowcount
                if not claimed:
                    raise _AlreadyKept
        except _AlreadyKept:
            return False
        return True

    def task_video_bytes(self, user: str, task_id: str) -> bytes | None:
        """The kept video of the user's task, or None when none is kept."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(media.c.data).join_from(
                video_tasks, media, media.c.id == video_tasks.c.video_media_id).where(
                *_task(user, task_id), media.c.user == user)).scalar_one_or_none()

    def claim_video_refund(self, user: str, task_id: str) -> bool:
        """Mark the task refunded; True only for the one caller that flipped it, so two tabs
        polling the same failed task record its refund once."""
        return self._update(video_tasks, dict(refunded=True, updated_at=utcnow()),
                            *_task(user, task_id), video_tasks.c.refunded.is_(False))

    # -- prices (global, not per user) --

    def get_prices(self) -> dict[tuple[str, str], Price]:
        """lib.pricing.DEFAULT_PRICES with the admin's stored overrides on top."""
        result = dict(DEFAULT_PRICES)
        with self.engine.connect() as conn:
            for row in conn.execute(sa.select(prices)):
                result[(row.endpoint, row.model)] = Price(row.per_call, row.per_1k_tokens)
        return result

    def admin_set_price(self, endpoint: str, model: str, per_call: float,
                        per_1k_tokens: float = 0.0) -> None:
        self._upsert(prices, dict(endpoint=endpoint, model=model),
                     dict(per_call=per_call, per_1k_tokens=per_1k_tokens, updated_at=utcnow()))


class _AlreadyKept(Exception):
    """Raised inside keep_task_video's transaction to roll back a copy another caller beat."""


_VIDEO_UPDATABLE = {c.name for c in video_tasks.c} - {"id", "user", "task_id", "updated_at"}


def _mine(table: sa.Table, user: str, row_id: int) -> tuple:
    """WHERE clause for 'row `row_id`, but only if it belongs to `user`'."""
    return table.c.id == row_id, table.c.user == user


def _task(user: str, task_id: str) -> tuple:
    return video_tasks.c.user == user, video_tasks.c.task_id == task_id


def _add_missing_video_task_columns(engine: Engine) -> None:
    """create_all makes missing tables but never adds columns, so a database from before a
    nullable video_tasks column was added gets it here (NULL in its old rows). Two replicas
    starting at once may race: losing the race is fine once the column is there."""
    def present() -> set[str]:
        return {column["name"] for column in sa.inspect(engine).get_columns(video_tasks.name)}

    quote, existing = engine.dialect.identifier_preparer.quote, present()
    for column in [c for c in video_tasks.c if c.name not in existing]:
        ddl = (f"ALTER TABLE {quote(video_tasks.name)} ADD COLUMN {quote(column.name)} "
               f"{column.type.compile(engine.dialect)}")
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(ddl))
        except sa.exc.DBAPIError:
            if column.name not in present():
                raise


def _make_engine(url: str) -> Engine:
    if sa.engine.make_url(url).get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    # Streamlit serves each session from its own thread, so the connection may cross threads.
    engine = sa.create_engine(url, connect_args={"check_same_thread": False})
    sa.event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection, _record) -> None:
    """WAL lets readers run while one writer writes; the busy timeout makes writers wait for
    each other instead of failing with 'database is locked'; foreign keys match PostgreSQL."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
