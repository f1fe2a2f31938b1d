"""Ledger rows the database would not take, kept in a file until it takes them again.

A paid call's ledger row must not be lost because the database is locked, read-only, full or
unreachable at that moment. `Store.record_usage` retries once, then appends the row here: one
JSON line, flushed and fsynced, under a file lock (several threads and processes may write).
The rows are written to the database at the next start and after the next ledger write that
succeeds; a row already there (same user, time, endpoint, request id and credits) is not
written twice, so a replay cut short is simply done again.

The file sits beside a SQLite database (`<database>.usage-spill.jsonl`), else in data/. When
the file cannot be written either (the disk of a full SQLite database is full too), the process
holds the row in memory until the database takes rows again.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

SUFFIX = ".usage-spill.jsonl"


def spill_path(url: str, data_dir: Path) -> Path | None:
    """Where `url`'s spilled rows go; None for an in-memory database (nothing outlives it)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = (parsed.database or "").removeprefix("file:")  # a URI: file:/path?mode=ro
        if not database or database == ":memory:" or parsed.query.get("mode") == "memory":
            return None
        return Path(database + SUFFIX)
    name = "".join(ch if ch.isalnum() else "-" for ch in f"{parsed.host}-{parsed.port}-{parsed.database}")
    return data_dir / f"{name}{SUFFIX}"


class UsageSpill:
    def __init__(self, path: Path | None):
        self.path = path
        # Rows the file would not take either (the disk of a full SQLite database is full too):
        # this process holds them until the database takes them; the ERROR line logged for each
        # is their only trace should the process end first.
        self._held: list[dict[str, Any]] = []
        self._held_lock = threading.Lock()

    @contextlib.contextmanager
    def _locked(self, mode: str) -> Iterator[IO[str]]:
        if self.path is None:
            raise OSError("an in-memory database has no spill file")
        with open(self.path, mode, encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            try:
                yield file
            finally:
                fcntl.flock(file, fcntl.LOCK_UN)

    def append(self, row: dict[str, Any]) -> None:
        """Keep `row` durably; when even that fails (a full disk), it is held in memory and the
        OSError raised for the caller to log."""
        try:
            self._write(row)
        except OSError:
            with self._held_lock:
                self._held.append(dict(row))
            raise

    def _write(self, row: dict[str, Any]) -> None:
        if self.path is None:
            raise OSError("an in-memory database has nowhere to keep rows")
        line = json.dumps({k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()})
        self.path.parent.mkdir(parents=True, exist_ok=True)  # data/ of a fresh PostgreSQL install
        with self._locked("a") as file:
            file.write(line + "\n")
            file.flush()
            os.fsync(file.fileno())

    def exists(self) -> bool:
        return bool(self._held) or self._file_exists()

    def _file_exists(self) -> bool:
        return self.path is not None and self.path.exists()

    def rows(self, user: str | None = None) -> list[dict[str, Any]]:
        found = list(self._held)
        if self._file_exists():
            with self._locked("r") as file:
                found += [row for row in map(_parsed, file) if row is not None]
        return [row for row in found if user is None or row["user"] == user]

    @contextlib.contextmanager
    def draining(self) -> Iterator[list[dict[str, Any]]]:
        """The kept rows (the file's under its lock, and those held in memory); the file is
        removed and the held rows let go when the block ends without an error (the caller wrote
        them all), else all are kept as they were."""
        with self._held_lock:
            held = list(self._held)
        if not self._file_exists():
            yield held
            self._let_go(held)
            return
        with self._locked("r+") as file:
            yield held + [row for row in map(_parsed, file) if row is not None]
            file.truncate(0)
            os.fsync(file.fileno())
        self._let_go(held)
        with contextlib.suppress(FileNotFoundError):
            if self.path is not None and self.path.stat().st_size == 0:
                self.path.unlink()

    def _let_go(self, written: list[dict[str, Any]]) -> None:
        with self._held_lock:
            del self._held[: len(written)]  # rows held meanwhile stay


def _parsed(line: str) -> dict[str, Any] | None:
    """One spilled row, its time aware again; a torn last line (a crash mid-write) and a blank
    one are skipped."""
    try:
        row: dict[str, Any] = json.loads(line)
    except ValueError:
        return None
    row["ts"] = datetime.fromisoformat(row["ts"])
    return row
