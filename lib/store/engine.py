"""Where the database lives and how it is opened: the default SQLite file, the engine with
SQLite's pragmas, and the schema brought up to date (lib/store/schema.py)."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection

from lib import settings
from lib.store.schema import upgrade

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def default_url() -> str:
    """The SQLite file data/playground.db under the project root (data/ is git-ignored)."""
    data_dir = PROJECT_ROOT / "data"
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'playground.db'}"


def configured_url() -> str:
    """`[store] url` from secrets.toml, else the default database: what the operator commands
    open when not given --store. Raises SettingsError when the file holds a bad setting."""
    return settings.from_file(settings.SECRETS_FILE).store.url or default_url()


def open_engine(url: str) -> Engine:
    """An engine on `url`, its database brought to this release's schema (lib/store/schema.py)."""
    engine = make_engine(url)
    try:
        upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def make_engine(url: str) -> Engine:
    if sa.engine.make_url(url).get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    _create_private(sa.engine.make_url(url).database)
    # Streamlit serves each session from its own thread, so the connection may cross threads.
    engine = sa.create_engine(url, connect_args={"check_same_thread": False})
    sa.event.listen(engine, "connect", _configure_sqlite)
    return engine


def _create_private(path: str | None) -> None:
    """Create a new SQLite file readable by its owner only (0600, whatever the umask): it holds
    every user's conversations. SQLite gives its -wal and -shm files the database's mode."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _configure_sqlite(dbapi_connection: DBAPIConnection, _record: object) -> None:
    """WAL lets readers run while one writer writes; the busy timeout makes writers wait for
    each other instead of failing with 'database is locked'; foreign keys match PostgreSQL."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
