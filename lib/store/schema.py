"""The database's schema version: bringing any database to this release's schema with Alembic,
refusing one from a newer release, and one migration at a time across processes.

The revisions live in lib/store/migrations/versions/, numbered 0001, 0002, ... (one linear
chain). `upgrade` runs at every start (Store opens the engine through it) and from
`python -m lib.store migrate`. A database made before migrations existed (tables present, no
`alembic_version`) goes through the baseline revision too, which completes what an older
release lacked; docs/ARCHITECTURE.md says how a developer adds a revision.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection, Engine

from lib.store.tables import UTCDateTime, metadata

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any fixed 64-bit number: PostgreSQL's advisory locks are named by numbers.
_PG_LOCK_KEY = 0x5245_5348_4922
_process_lock = threading.Lock()  # threads of one process; the file or advisory lock does processes

log = logging.getLogger("reshi.store")


class SchemaTooNewError(RuntimeError):
    """The database was upgraded by a newer release than this one."""

    def __init__(self, found: str, head: str):
        self.found, self.head = found, head
        super().__init__(
            f"this database has schema revision {found}, made by a newer release of Reshi "
            f"Playground; this release knows revisions up to {head}. Run the newer release, or "
            f"restore a backup taken with this one (python -m lib.store restore FILE)"
        )


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # None: no alembic_version (empty, or made before migrations)
    head: str
    has_tables: bool

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = _scripts().get_current_head()
    if head is None:
        raise RuntimeError(f"no schema revisions in {MIGRATIONS_DIR / 'versions'}")
    return head


def _known(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:  # alembic's words for an id it has no file for
        return False


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to this release's head revision; (revision before, revision after).

    Cheap when nothing is to do (one read of alembic_version). Otherwise takes the migration
    lock, looks again (a replica starting beside us may have done it meanwhile) and upgrades.
    """
    with engine.connect() as conn:
        state = schema_state(conn)
    if state.up_to_date:
        return state.current, state.head  # the same revision: up to date
    with migration_lock(engine) as conn:
        state = schema_state(conn)
        if not state.up_to_date:
            if state.current is None and state.has_tables:
                log.info("database made before migrations: completing it to the baseline")
            command.upgrade(alembic_config(conn), "head")
            conn.commit()
            log.info("database schema upgraded from %s to %s", state.current, state.head)
    return state.current, state.head


def schema_state(conn: Connection) -> SchemaState:
    """Where the database stands; raises SchemaTooNewError for a revision this release lacks."""
    current = MigrationContext.configure(conn).get_current_revision()
    conn.rollback()  # end the read's transaction before any lock or DDL
    if current is not None and not _known(current):
        raise SchemaTooNewError(current, head_revision())
    has_tables = bool(sa.inspect(conn).get_table_names())
    conn.rollback()
    return SchemaState(current, head_revision(), has_tables)


@contextlib.contextmanager
def migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection held under the one lock all processes take to migrate this database:
    PostgreSQL's advisory lock, or a file lock beside a SQLite file (not the database file
    itself: closing any descriptor of it would drop SQLite's own locks in this process)."""
    with _process_lock, engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
            conn.commit()
            try:
                yield conn
            finally:
                conn.rollback()
                conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY})
                conn.commit()
            return
        with _sqlite_file_lock(engine.url.database):
            yield conn


@contextlib.contextmanager
def _sqlite_file_lock(database: str | None) -> Iterator[None]:
    if not database or database == ":memory:" or database.startswith("file:"):
        yield  # in memory: this process is the only one that sees it
        return
    with open(f"{database}.migrate-lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def differences(connection: Connection) -> list[Any]:
    """What the database's schema lacks or has beyond the models (empty when they agree)."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | Literal[False]:
    """Autogenerate writes the store's UTC column as the plain type it is in the database, so
    a revision never imports app code that may change after it is written."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def new_revision(message: str) -> Path:
    """Write the next numbered revision with what the models changed since the last one.

    Autogenerate compares the models with a scratch SQLite database upgraded to head, so the
    developer's own database is untouched. Read and trim what it wrote before committing.
    """
    number = f"{len(list(_scripts().walk_revisions())) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        engine = sa.create_engine(f"sqlite:///{scratch}/scratch.db")
        try:
            upgrade(engine)
            with engine.connect() as conn:
                script = command.revision(alembic_config(conn), message=message, autogenerate=True, rev_id=number)
        finally:
            engine.dispose()
    _scripts.cache_clear()
    assert isinstance(script, Script), "one revision asked for, one written"
    return Path(script.path)
