"""The usage ledger: one row per call (credits < 0: a refund), and the queries over it.

Writers append rows (lib/store/ledger_records.py). Readers get a `UsageLedger`, a view of one user's rows
(`Store.usage_ledger(user)`) or of every user's (`Store.admin_usage_ledger()`, admins only),
whose queries return DataFrames: the Usage page's cube, latency histogram and calls, and a
budget's net credits. Ranges are start <= ts < end and after_id < id <= upto_id, None meaning
unbounded; the id range is how a cached aggregate adds only the newer rows.

The local time bucket is computed in SQL as (UTC epoch seconds + the zone's offset at that
instant) // bucket width, with the offset as a CASE over the zone's transitions that the caller
passes in. The SQL is portable: the only dialect-specific bits (epoch seconds, integer floor)
are compiled per dialect below, for SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from lib.credits.pricing import SOURCE_OF_ENDPOINT
from lib.store.tables import UTCDateTime, id_column, metadata, user_column, utcnow

usage = sa.Table(
    "usage",
    metadata,
    id_column(),
    user_column(),
    sa.Column("ts", UTCDateTime, nullable=False, default=utcnow),
    sa.Column("endpoint", sa.String(64), nullable=False),
    sa.Column("model", sa.String(255)),
    sa.Column("status", sa.Integer),
    sa.Column("error_kind", sa.String(64)),
    sa.Column("latency_ms", sa.Float),
    sa.Column("prompt_tokens", sa.Integer),
    sa.Column("completion_tokens", sa.Integer),
    sa.Column("reasoning_tokens", sa.Integer),  # of completion_tokens, a reasoning model's thinking
    sa.Column("credits", sa.Float, nullable=False, default=0.0),
    sa.Column("request_id", sa.String(255)),
    # What made the call (chat, judge, images, video, upload, balance) and on which connection
    # ("preset", "sandbox", or a custom server's host; never a key): quotas count the preset's.
    sa.Column("source", sa.String(16)),
    sa.Column("connection", sa.String(255)),
    sa.Index("ix_usage_user_ts", "user", "ts"),
    sa.Index("ix_usage_ts", "ts"),
)

# Credits held by paid calls under way on the preset connection, until their ledger row is
# written (lib/store/holds.py takes them, `_write_usage` releases them with the row).
quota_holds = sa.Table(
    "quota_holds",
    metadata,
    id_column(),
    user_column(),
    sa.Column("credits", sa.Float, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Index("ix_quota_holds_user", "user"),
)

OK, ERROR, REFUND = "ok", "error", "refund"
STOPPED = "stopped"  # the user stopped the call: neither a success nor the server's failure
INTERRUPTED = "interrupted"  # the error kind of a streaming call's row while it streams
OUTCOMES = (OK, STOPPED, ERROR, REFUND)
CUBE_COLUMNS = [
    "bucket",
    "user",
    "endpoint",
    "model",
    "outcome",
    "source",
    "connection",
    "rows",
    "credits",
    "prompt_tokens",
    "completion_tokens",
]
CUBE_KEY_COUNT = 7  # the leading columns the cube is grouped by
NO_CONNECTION = ""  # rows written before the ledger recorded connections
_INT_COLUMNS = ("status", "prompt_tokens", "completion_tokens", "reasoning_tokens")


# --- the two dialect-specific SQL pieces ------------------------------------------------------


class _EpochSeconds(FunctionElement[int]):
    """Whole seconds since 1970 of an aware-UTC timestamp column."""

    type = sa.BigInteger()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(_EpochSeconds, "sqlite")
def _epoch_sqlite(
    element: _EpochSeconds, compiler: SQLCompiler, **kw: Any
) -> str:  # the store keeps UTC text 'YYYY-MM-DD HH:MM:SS.ffffff'
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(_EpochSeconds)
def _epoch_default(element: _EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:  # PostgreSQL's timestamptz
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


class _FloorInt(FunctionElement[int]):
    """floor(x) as an integer, for x >= 0 (SQLite may lack FLOOR; its CAST truncates)."""

    type = sa.BigInteger()
    name = "floor_int"
    inherit_cache = True


@compiles(_FloorInt, "sqlite")
def _floor_sqlite(element: _FloorInt, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


@compiles(_FloorInt)
def _floor_default(element: _FloorInt, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(FLOOR({compiler.process(element.clauses, **kw)}) AS BIGINT)"


# --- pieces of the queries ---------------------------------------------------------------------


def _outcome() -> ColumnElement[Any]:
    c = usage.c
    return sa.case(
        (c.credits < 0, REFUND), (c.error_kind == STOPPED, STOPPED), (c.error_kind.is_not(None), ERROR), else_=OK
    )


def _source() -> ColumnElement[Any]:
    """What made the call; a row written without one (before revision 0003, or by a bulk insert)
    gets its endpoint's, by the same rule as `pricing.source_of`."""
    c = usage.c
    return sa.func.coalesce(c.source, sa.case(SOURCE_OF_ENDPOINT, value=c.endpoint, else_=c.endpoint))


def _connection() -> ColumnElement[Any]:
    return sa.func.coalesce(usage.c.connection, NO_CONNECTION)


def _filter_where(
    users: tuple[str, ...] = (),
    models: tuple[str, ...] = (),
    endpoints: tuple[str, ...] = (),
    outcomes: tuple[str, ...] = (),
    sources: tuple[str, ...] = (),
    connections: tuple[str, ...] = (),
) -> list[ColumnElement[Any]]:
    """The Usage page's narrowing choices; an empty tuple means "any"."""
    c = usage.c
    pairs = (
        (c.user, users),
        (c.model, models),
        (c.endpoint, endpoints),
        (_outcome(), outcomes),
        (_source(), sources),
        (_connection(), connections),
    )
    return [column.in_(values) for column, values in pairs if values]


def _local_bucket(offsets: tuple[int, list[tuple[datetime, int]]], bucket_seconds: int) -> ColumnElement[Any]:
    """Each row's local bucket number, (epoch + offset at ts) // width, from the zone's offset at
    the range's start and each (instant, new offset) change after it."""
    c, (first, changes) = usage.c, offsets
    offset = (
        sa.literal(first, sa.Integer)
        if not changes
        else sa.case(
            *[
                (c.ts < at, before)
                for at, before in zip([at for at, _ in changes], [first] + [off for _, off in changes[:-1]])
            ],
            else_=changes[-1][1],
        )
    )
    return _FloorInt((_EpochSeconds(c.ts) + offset) / bucket_seconds)


class UsageLedger:
    """The ledger rows one reader may see, and the queries over them."""

    def __init__(self, engine: Engine, *whose: ColumnElement[bool]) -> None:
        self._engine, self._whose = engine, whose

    def _where(
        self, start: datetime | None, end: datetime | None, after_id: int | None = None, upto_id: int | None = None
    ) -> list[ColumnElement[Any]]:
        c, where = usage.c, list(self._whose)
        if start is not None:
            where.append(c.ts >= start)
        if end is not None:
            where.append(c.ts < end)
        if after_id is not None:
            where.append(c.id > after_id)
        if upto_id is not None:
            where.append(c.id <= upto_id)
        return where

    def _frame(self, stmt: sa.Select[Any]) -> pd.DataFrame:
        """The rows as a DataFrame whose columns are the statement's labels."""
        with self._engine.connect() as conn:
            return pd.DataFrame(conn.execute(stmt).all(), columns=list(stmt.selected_columns.keys()))

    def span(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> tuple[datetime | None, datetime | None]:
        """The first and last timestamps in range (cheap: both ends of the ts index)."""
        ts, where = usage.c.ts, self._where(start, end)
        # Two queries: SQLite answers a lone MIN or MAX from the index, but scans the table for both.
        with self._engine.connect() as conn:
            first = conn.execute(sa.select(sa.func.min(ts)).where(*where)).scalar()
            last = conn.execute(sa.select(sa.func.max(ts)).where(*where)).scalar()
        return first, last  # MIN/MAX keep the column's type, so these come back aware UTC

    def net_credits(self, start: datetime | None = None, end: datetime | None = None) -> float:
        """Credits spent in range, refunds counted back (one indexed SUM)."""
        with self._engine.connect() as conn:
            return float(
                conn.execute(sa.select(sa.func.sum(usage.c.credits)).where(*self._where(start, end))).scalar() or 0.0
            )

    def cube(
        self,
        start: datetime | None,
        end: datetime | None,
        *,
        bucket_seconds: int,
        offsets: tuple[int, list[tuple[datetime, int]]],
        after_id: int | None = None,
        upto_id: int | None = None,
    ) -> pd.DataFrame:
        """Calls, credits and tokens per (local bucket number, user, endpoint, model, outcome,
        source, connection):
        CUBE_COLUMNS, with `bucket` the whole number of bucket widths since the local epoch."""
        c = usage.c
        keys = [
            _local_bucket(offsets, bucket_seconds).label("bucket"),
            c.user,
            c.endpoint,
            c.model,
            _outcome().label("outcome"),
            _source().label("source"),
            _connection().label("connection"),
        ]
        stmt = (
            sa.select(
                *keys,
                sa.func.count().label("rows"),
                sa.func.coalesce(sa.func.sum(c.credits), 0.0).label("credits"),
                sa.func.coalesce(sa.func.sum(c.prompt_tokens), 0).label("prompt_tokens"),
                sa.func.coalesce(sa.func.sum(c.completion_tokens), 0).label("completion_tokens"),
            )
            .where(*self._where(start, end, after_id, upto_id))
            .group_by(*keys)
        )
        return self._frame(stmt)[CUBE_COLUMNS]  # a label that drifts from CUBE_COLUMNS fails here

    def latency_histogram(
        self,
        start: datetime | None,
        end: datetime | None,
        *,
        bucket_ms: float,
        among_endpoints: tuple[str, ...],
        after_id: int | None = None,
        upto_id: int | None = None,
        **filters: tuple[str, ...],
    ) -> pd.DataFrame:
        """Calls per (endpoint, latency bucket number) of `among_endpoints`; refunds (bookkeeping
        rows, no call) and calls without a latency are left out."""
        c = usage.c
        bucket = _FloorInt(c.latency_ms / bucket_ms).label("bucket")
        stmt = (
            sa.select(c.endpoint, bucket, sa.func.count().label("n"))
            .where(
                *self._where(start, end, after_id, upto_id),
                *_filter_where(**filters),
                c.endpoint.in_(among_endpoints),
                c.latency_ms.is_not(None),
                c.latency_ms >= 0,
                c.credits >= 0,
            )
            .group_by(c.endpoint, bucket)
        )
        return self._frame(stmt)

    def calls(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        limit: int | None = None,
        **filters: tuple[str, ...],
    ) -> pd.DataFrame:
        """The calls in range, newest first, each with its outcome; `ts` aware UTC."""
        c = usage.c
        stmt = (
            sa.select(
                c.ts,
                c.user,
                c.endpoint,
                c.model,
                _outcome().label("outcome"),
                c.status,
                c.error_kind,
                c.latency_ms,
                c.prompt_tokens,
                c.completion_tokens,
                c.reasoning_tokens,
                c.credits,
                c.request_id,
                _source().label("source"),
                c.connection,
            )
            .where(*self._where(start, end), *_filter_where(**filters))
            .order_by(c.ts.desc(), c.id.desc())
            .limit(limit)
        )
        frame = self._frame(stmt)
        # Fixed dtypes even when empty or all-null, so aggregations never guess.
        frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
        for name in _INT_COLUMNS:
            frame[name] = frame[name].astype("Int64")
        for name in ("latency_ms", "credits"):
            frame[name] = frame[name].astype("float64")
        return frame
