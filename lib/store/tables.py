"""What every table shares: the one MetaData, the aware-UTC column type and the common columns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """DateTime that always stores UTC and always returns aware UTC datetimes.

    SQLite has no time zone type and hands back naive values; PostgreSQL returns values in the
    session's zone. Normalising here keeps both identical for callers.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store only accepts aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite: we stored UTC, so it is UTC
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData()


def id_column() -> sa.Column[Any]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def user_column() -> sa.Column[Any]:
    return sa.Column("user", sa.String(255), nullable=False)


def created_column() -> sa.Column[Any]:
    return sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow)


def updated_column() -> sa.Column[Any]:
    return sa.Column("updated_at", UTCDateTime, nullable=False, default=utcnow)
