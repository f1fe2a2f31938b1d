"""Backups, restores and moves of the whole database (`python -m lib.store backup|restore|copy`).

A backup is always one SQLite file at this release's schema, whichever database it came from,
so any backup restores into SQLite or PostgreSQL:
- from SQLite, SQLite's online backup API copies the pages while the app keeps running (what is
  still in the WAL included; a `cp` of the file misses it);
- from PostgreSQL, every row is read in one REPEATABLE READ transaction (one consistent moment)
  into a new SQLite file (lib/store/transfer.py).
Restore and copy bring the target to this release's schema, refuse a target that has rows
(unless told to replace them), copy every row in one transaction, set PostgreSQL's sequences
past the copied ids and compare the row counts of every table on both sides.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lib.store.engine import make_engine
from lib.store.schema import upgrade
from lib.store.transfer import SKIPPED, copy_rows, reflected, row_counts

Progress = Callable[[str, int], None]


class TransferError(RuntimeError):
    """A refusal or a check that failed, in words fit for an operator."""


def sqlite_path(url: str) -> Path | None:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = (parsed.database or "").removeprefix("file:")
    if not database or database == ":memory:":
        raise TransferError("an in-memory database has nothing to back up or restore")
    return Path(database)


def backup(url: str, file: Path, on_table: Progress | None = None) -> dict[str, int]:
    """A consistent copy of the database at `url` in the new SQLite file `file`; its row counts."""
    if file.exists():
        raise TransferError(f"{file} exists already: name a new file")
    path = sqlite_path(url)
    if path is not None:
        _online_backup(path, file)
    else:
        with _engine(f"sqlite:///{file}") as target, _engine(url) as source:
            upgrade(source)
            upgrade(target)
            _empty(target)  # a new database's own rows (shipped prompts): the source's replace them
            _copy_checked(source.execution_options(isolation_level="REPEATABLE READ"), target, on_table)
    with _engine(f"sqlite:///{file}") as written:
        return row_counts(written)


def _online_backup(source: Path, file: Path) -> None:
    if not source.exists():
        raise TransferError(f"no database at {source}")
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(file)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise TransferError(f"the copy in {file} fails SQLite's integrity check")


def restore(file: Path, url: str, replace: bool = False, on_table: Progress | None = None) -> dict[str, int]:
    """Every row of the backup `file` into the database at `url`; the row counts copied."""
    if not file.is_file():
        raise TransferError(f"no backup file at {file}")
    with tempfile.TemporaryDirectory(prefix="playground-restore-") as scratch:
        copy = Path(scratch) / "backup.db"
        shutil.copy(file, copy)  # upgraded here if an older release made it; the file stays as it is
        return copy_database(f"sqlite:///{copy}", url, replace, on_table)


def copy_database(
    source_url: str, target_url: str, replace: bool = False, on_table: Progress | None = None
) -> dict[str, int]:
    """Every row of `source_url` into `target_url` (SQLite or PostgreSQL either way)."""
    with _snapshot(source_url) as source, _engine(target_url) as target:
        upgrade(target)
        present = {name: count for name, count in row_counts(target).items() if count}
        if present and present != _new_database_rows() and not replace:
            raise TransferError(
                f"the target already has rows ({_listed(present)}); copy into an empty "
                "database, or restore with --replace to replace them"
            )
        if present:  # its rows, or only what a new database starts with (shipped prompts): the source's replace them
            _empty(target)
        return _copy_checked(source, target, on_table)


@functools.cache
def _new_database_rows() -> dict[str, int]:
    """The rows a new database starts with (revisions may add some, such as shipped prompts)."""
    with (
        tempfile.TemporaryDirectory(prefix="playground-new-") as scratch,
        _engine(f"sqlite:///{scratch}/new.db") as new,
    ):
        upgrade(new)
        return {name: count for name, count in row_counts(new).items() if count}


@contextlib.contextmanager
def _snapshot(url: str) -> Iterator[Engine]:
    """The source as of one moment: a SQLite database through an online backup to a scratch
    file, PostgreSQL in one REPEATABLE READ transaction; brought to this release's schema."""
    path = sqlite_path(url)
    if path is None:
        with _engine(url) as source:
            upgrade(source)
            yield source.execution_options(isolation_level="REPEATABLE READ")
        return
    with tempfile.TemporaryDirectory(prefix="playground-copy-") as scratch:
        copy = Path(scratch) / "snapshot.db"
        _online_backup(path, copy)
        with _engine(f"sqlite:///{copy}") as source:
            upgrade(source)
            yield source


def _copy_checked(source: Engine, target: Engine, on_table: Progress | None) -> dict[str, int]:
    """Copy, then count the target's rows: each table must hold what was read from the source's
    snapshot (a live source may have more rows by now, so it is not counted again)."""
    copied = copy_rows(source, target, on_table)
    found = row_counts(target)
    wrong = {
        name: (copied.get(name), found.get(name))
        for name in copied.keys() | found.keys()
        if copied.get(name) != found.get(name)
    }
    if wrong:
        raise TransferError(f"row counts differ after the copy (copied, found): {wrong}")
    return copied


def _empty(target: Engine) -> None:
    with target.begin() as conn:
        for table in reversed(reflected(conn).sorted_tables):  # rows that point at others first
            if table.name not in SKIPPED:
                conn.execute(table.delete())


@contextlib.contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _listed(counts: dict[str, int]) -> str:
    return ", ".join(f"{name}: {count}" for name, count in sorted(counts.items()))
