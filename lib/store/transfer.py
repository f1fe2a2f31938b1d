"""Copying every row from one database to another of the same schema, SQLite or PostgreSQL
either way: what `python -m lib.store copy` and PostgreSQL's `backup`/`restore` stand on.

Both sides are read as they are (reflected), so it copies any release's schema; rows go in
foreign-key order, times as aware UTC, and PostgreSQL's id sequences are set past the copied
ids afterwards (without that, every later insert collides with a copied row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

BATCH_ROWS = 500
SKIPPED = ("alembic_version",)  # the target's own migration state says where its schema is


def reflected(engine_or_connection: Engine | Connection) -> sa.MetaData:
    metadata = sa.MetaData()
    metadata.reflect(engine_or_connection)
    return metadata


def copy_rows(source: Engine, target: Engine, on_table: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy every row of every table both databases have, in one transaction on the target
    (whose tables should be empty); returns the rows copied per table."""
    source_tables = reflected(source).tables
    copied: dict[str, int] = {}
    with source.connect() as reading, target.begin() as writing:
        target_metadata = reflected(writing)
        for table in target_metadata.sorted_tables:  # parents before the rows that point at them
            if table.name in SKIPPED or table.name not in source_tables:
                continue
            copied[table.name] = _copy_table(reading, writing, source_tables[table.name], table)
            if on_table:
                on_table(table.name, copied[table.name])
        reset_sequences(writing, target_metadata)
    return copied


def _copy_table(reading: Connection, writing: Connection, source: sa.Table, target: sa.Table) -> int:
    """Rows are read with the target's column types, so values arrive as the target wants
    them (JSON as objects, binary as bytes) whichever database they come from."""
    names = [c.name for c in target.c if c.name in source.c]
    as_target = sa.Table(source.name, sa.MetaData(), *(sa.Column(n, target.c[n].type) for n in names))
    order = [as_target.c[c.name] for c in source.primary_key.columns if c.name in names]
    count, batch = 0, []
    for row in reading.execute(sa.select(as_target).order_by(*order)).mappings():
        batch.append({name: _utc(value) for name, value in row.items()})
        if len(batch) == BATCH_ROWS:
            count += _insert(writing, target, batch)
            batch = []
    return count + _insert(writing, target, batch)


def _insert(writing: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> int:
    if rows:
        writing.execute(table.insert(), rows)
    return len(rows)


def _utc(value: object) -> object:
    """The store keeps UTC: SQLite hands it back naive, PostgreSQL in the session's zone."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def reset_sequences(connection: Connection, metadata: sa.MetaData) -> None:
    """PostgreSQL: each serial id's sequence continues after the largest id present."""
    if connection.dialect.name != "postgresql":
        return  # SQLite's next id is always the largest present plus one
    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            sequence = connection.execute(
                sa.select(
                    sa.func.pg_get_serial_sequence(
                        connection.dialect.identifier_preparer.quote(table.name), column.name
                    )
                )
            ).scalar()
            if sequence:
                largest = connection.execute(sa.select(sa.func.max(column))).scalar()
                connection.execute(sa.select(sa.func.setval(sequence, largest or 1, largest is not None)))


def row_counts(engine: Engine, names: Iterable[str] | None = None) -> dict[str, int]:
    metadata = reflected(engine)
    wanted = set(names) if names is not None else set(metadata.tables) - set(SKIPPED)
    with engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables
            if t.name in wanted
        }
