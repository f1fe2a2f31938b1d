"""Ledger rows the database would not take, kept in a file until it takes them again.

A paid call's ledger row must not be lost because the database is locked, read-only, full or
unreachable at that moment. `Store.record_usage` retries once, then appends the row here: one
JSON line, flushed and fsynced, under a file lock (several threads and processes may write).
The rows are written to the database at the next start and after the next ledger write that
succeeds; a row already there (same user, time, endpoint, request id and credits) is not
written twice, so a replay cut short is simply done again.

The file sits beside a SQLite database (`<database>.usage-spill.jsonl`), else in data/.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Iterator

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

    @contextlib.contextmanager
    def _locked(self, mode: str) -> Iterator:
        with open(self.path, mode, encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            try:
                yield file
            finally:
                fcntl.flock(file, fcntl.LOCK_UN)

    def append(self, row: dict) -> None:
        """Keep `row` durably; raises OSError when even that fails (a full disk)."""
        if self.path is None:
            raise OSError("an in-memory database has nowhere to keep rows")
        line = json.dumps({k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()})
        self.path.parent.mkdir(parents=True, exist_ok=True)  # data/ of a fresh PostgreSQL install
        with self._locked("a") as file:
            file.write(line + "\n")
            file.flush()
            os.fsync(file.fileno())

    def exists(self) -> bool:
        return self.path is not None and self.path.exists()

    def rows(self, user: str | None = None) -> list[dict]:
        if not self.exists():
            return []
        with self._locked("r") as file:
            found = [_parsed(line) for line in file if line.strip()]
        return [row for row in found if row is not None and (user is None or row["user"] == user)]

    @contextlib.contextmanager
    def draining(self) -> Iterator[list[dict]]:
        """The spilled rows, under the file's lock; the file is removed when the block ends
        without an error (the caller wrote them all), else kept as it was."""
        if not self.exists():
            yield []
            return
        with self._locked("r+") as file:
            rows = [row for row in map(_parsed, file) if row is not None]
            yield rows
            file.truncate(0)
            os.fsync(file.fileno())
        with contextlib.suppress(FileNotFoundError):
            if self.path.stat().st_size == 0:
                self.path.unlink()


def _parsed(line: str) -> dict | None:
    """One spilled row, its time aware again; a torn last line (a crash mid-write) is skipped."""
    try:
        row = json.loads(line)
    except ValueError:
        return None
    row["ts"] = datetime.fromisoformat(row["ts"])
    return row
