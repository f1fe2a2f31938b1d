"""Where the database lives and how it is opened: the default SQLite file, the engine with
SQLite's pragmas, and the schema (created, and completed where create_all cannot)."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lib.store.tables import metadata
from lib.store.videos import video_tasks

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def default_url() -> str:
    """The SQLite file data/playground.db under the project root (data/ is git-ignored)."""
    data_dir = PROJECT_ROOT / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'playground.db'}"


def open_engine(url: str) -> Engine:
    """An engine on `url` with every table in place (harmless on an existing schema)."""
    engine = _make_engine(url)
    metadata.create_all(engine)
    _add_missing_video_task_columns(engine)
    return engine


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
