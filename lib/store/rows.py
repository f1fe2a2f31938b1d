"""How every part of the Store reads and writes rows: each call its own short transaction,
results as dataclasses, and "yours only" as a WHERE clause."""
from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError


def columns_for(cls: type, table: sa.Table) -> list[sa.Column]:
    """The table's columns the dataclass holds (Media leaves out the image bytes)."""
    return [table.c[f.name] for f in dataclasses.fields(cls)]


def to(cls: type, row) -> Any:
    return None if row is None else cls(**row._mapping)


def mine(table: sa.Table, user: str, row_id: int) -> tuple:
    """WHERE clause for 'row `row_id`, but only if it belongs to `user`'."""
    return table.c.id == row_id, table.c.user == user


class Rows:
    """The helpers the Store's parts share; the Store sets `engine`."""

    engine: Engine

    def _one(self, cls: type, table: sa.Table, *where) -> Any:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(*columns_for(cls, table)).where(*where)).first()
        return to(cls, row)

    def _many(self, cls: type, table: sa.Table, *where, order_by=None, limit=None) -> list:
        stmt = sa.select(*columns_for(cls, table)).where(*where)
        if order_by is not None:
            stmt = stmt.order_by(*order_by)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return [to(cls, row) for row in conn.execute(stmt)]

    def _count(self, table: sa.Table, *where) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()

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
