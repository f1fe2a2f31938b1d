"""How every part of the Store reads and writes rows: each call its own short transaction,
results as dataclasses, and "yours only" as a WHERE clause."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

T = TypeVar("T")


def columns_for(cls: type, table: sa.Table) -> list[sa.Column[Any]]:
    """The table's columns the dataclass holds (Media leaves out the image bytes)."""
    return [table.c[f.name] for f in dataclasses.fields(cls)]


def to(cls: type[T], row: sa.Row[Any] | None) -> T | None:
    return None if row is None else cls(**row._mapping)


def inserted_id(result: sa.CursorResult[Any]) -> int:
    """The id of the row an INSERT of one row wrote."""
    key = result.inserted_primary_key
    assert key is not None, "an INSERT of one row has a primary key"
    return int(key[0])


def mine(table: sa.Table, user: str, row_id: int) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[bool]]:
    """WHERE clause for 'row `row_id`, but only if it belongs to `user`'."""
    return table.c.id == row_id, table.c.user == user


class Rows:
    """The helpers the Store's parts share; the Store sets `engine`."""

    engine: Engine

    def _one(self, cls: type[T], table: sa.Table, *where: Any) -> T | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(*columns_for(cls, table)).where(*where)).first()
        return to(cls, row)

    def _many(
        self, cls: type[T], table: sa.Table, *where: Any, order_by: Any = None, limit: int | None = None
    ) -> list[T]:
        stmt = sa.select(*columns_for(cls, table)).where(*where)
        if order_by is not None:
            stmt = stmt.order_by(*order_by)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return [cls(**row._mapping) for row in conn.execute(stmt)]

    def _count(self, table: sa.Table, *where: Any) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()

    def _insert(self, cls: type[T], table: sa.Table, values: dict[str, Any]) -> T:
        with self.engine.begin() as conn:
            new_id = inserted_id(conn.execute(table.insert().values(**values)))
        return self._read_back(cls, table, new_id)

    def _read_back(self, cls: type[T], table: sa.Table, row_id: int) -> T:
        """A row just written, read back in a transaction of its own: another writer may have
        deleted it in between, and callers have always been handed None then (typed as found)."""
        return cast(T, self._one(cls, table, table.c.id == row_id))

    def _update(self, table: sa.Table, values: dict[str, Any], *where: Any) -> bool:
        """Update the matching rows; True when at least one row was the caller's to change."""
        with self.engine.begin() as conn:
            return conn.execute(table.update().where(*where).values(**values)).rowcount > 0

    def _delete(self, table: sa.Table, *where: Any) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(table.delete().where(*where)).rowcount > 0

    def _upsert(self, table: sa.Table, keys: dict[str, Any], values: dict[str, Any]) -> None:
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
