"""The usage ledger: one row per call (credits < 0: a refund), and the queries over it.

Writers append rows. Readers get a `UsageLedger`, a view of one user's rows
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

import json
import logging
import time
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from lib.pricing import SOURCE_OF_ENDPOINT
from lib.safe_text import without_controls
from lib.store.failures import described
from lib.store.rows import Rows
from lib.store.spill import UsageSpill
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


class _EpochSeconds(FunctionElement):
    """Whole seconds since 1970 of an aware-UTC timestamp column."""

    type = sa.BigInteger()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(_EpochSeconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):  # the store keeps UTC text 'YYYY-MM-DD HH:MM:SS.ffffff'
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(_EpochSeconds)
def _epoch_default(element, compiler, **kw):  # PostgreSQL's timestamptz
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


class _FloorInt(FunctionElement):
    """floor(x) as an integer, for x >= 0 (SQLite may lack FLOOR; its CAST truncates)."""

    type = sa.BigInteger()
    name = "floor_int"
    inherit_cache = True


@compiles(_FloorInt, "sqlite")
def _floor_sqlite(element, compiler, **kw):
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


@compiles(_FloorInt)
def _floor_default(element, compiler, **kw):
    return f"CAST(FLOOR({compiler.process(element.clauses, **kw)}) AS BIGINT)"


# --- pieces of the queries ---------------------------------------------------------------------


def _outcome() -> ColumnElement:
    c = usage.c
    return sa.case(
        (c.credits < 0, REFUND), (c.error_kind == STOPPED, STOPPED), (c.error_kind.is_not(None), ERROR), else_=OK
    )


def _source() -> ColumnElement:
    """What made the call; a row written without one (before revision 0003, or by a bulk insert)
    gets its endpoint's, by the same rule as `pricing.source_of`."""
    c = usage.c
    return sa.func.coalesce(c.source, sa.case(SOURCE_OF_ENDPOINT, value=c.endpoint, else_=c.endpoint))


def _connection() -> ColumnElement:
    return sa.func.coalesce(usage.c.connection, NO_CONNECTION)


def _filter_where(
    users: tuple[str, ...] = (),
    models: tuple[str, ...] = (),
    endpoints: tuple[str, ...] = (),
    outcomes: tuple[str, ...] = (),
    sources: tuple[str, ...] = (),
    connections: tuple[str, ...] = (),
) -> list[ColumnElement]:
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


def _local_bucket(offsets: tuple[int, list[tuple[datetime, int]]], bucket_seconds: int) -> ColumnElement:
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

    def __init__(self, engine: Engine, *whose: ColumnElement):
        self._engine, self._whose = engine, whose

    def _where(
        self, start: datetime | None, end: datetime | None, after_id: int | None = None, upto_id: int | None = None
    ) -> list[ColumnElement]:
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

    def _frame(self, stmt: sa.Select) -> pd.DataFrame:
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


RETRY_SECONDS = 0.5  # before the one retry of a ledger write (SQLite has waited 5 s for a lock already)
INTERRUPTED = "interrupted"  # the error kind of a streaming call's row while it streams
log = logging.getLogger("reshi.store")


def _provisional(user: str, row_id: int) -> tuple:
    c = usage.c
    return c.id == row_id, c.user == user, c.error_kind == INTERRUPTED


def _write_usage(conn: sa.Connection, row: dict[str, Any]) -> int:
    """Write one call's row; its id. Its text columns (a model name the user typed or imported,
    a server's request id) lose their control characters: a ledger row is one line wherever it is
    shown or exported. A row that `replaces` a streaming call's provisional row (CallRecord) takes
    its place in the same transaction, so the call stays one row whenever the process dies. It is
    a new row (a new id), so what is cached on the newest id (`ledger_version`) is read again."""
    row = {name: without_controls(value) if name in _TEXT_COLUMNS else value for name, value in row.items()}
    provisional, hold = row.pop("replaces", None), row.pop("hold", None)
    if provisional is not None:
        conn.execute(usage.delete().where(*_provisional(row["user"], provisional)))
    if hold is not None:  # the call's price is spent now, no longer held (lib/store/holds.py)
        conn.execute(quota_holds.delete().where(quota_holds.c.id == hold, quota_holds.c.user == row["user"]))
    return conn.execute(usage.insert().values(**row)).inserted_primary_key[0]


_TEXT_COLUMNS = ("endpoint", "model", "error_kind", "request_id", "connection")


class LedgerRecords(Rows):
    """The Store's ledger methods: writing rows, and the views to read them through."""

    spill: UsageSpill  # set by Store

    def record_usage(self, user: str, **fields) -> bool:
        """`add_usage` for a call that has happened: retried once, then kept in the spill file
        (lib/store/spill.py) and logged at ERROR. True when the row is in the database."""
        row = {"user": user, **fields, "ts": fields.get("ts") or utcnow()}
        for attempt in range(2):
            try:
                self.add_usage(**row)
                break
            except sa.exc.DBAPIError as exc:
                failure = exc
                if not attempt:
                    time.sleep(RETRY_SECONDS)
        else:
            self._spill(row, failure)
            return False
        if self.spill.exists():  # the database takes rows again: the kept ones go in too
            self.replay_spilled_usage()
        return True

    def _spill(self, row: dict[str, Any], failure: Exception) -> None:
        try:
            self.spill.append(row)
        except OSError as exc:  # the disk is full too: held in memory, and this line its only trace on disk
            log.error(
                "ledger row held in memory only: the database failed (%s) and so did the spill file (%s); "
                "it is written when the database takes rows again, lost if the process ends first: %s",
                described(failure),
                exc,
                json.dumps(row, default=str),
            )
            return
        log.error(
            "ledger write failed (%s): the row is kept in %s until the database takes it",
            described(failure),
            self.spill.path,
        )

    def replay_spilled_usage(self) -> int:
        """Write the spilled rows that are not in the ledger yet; how many were written. A
        database that still fails leaves the file as it is (logged)."""
        try:
            with self.spill.draining() as rows, self.engine.begin() as conn:
                written = 0
                for row in rows:
                    same = [
                        usage.c[name] == row.get(name) if row.get(name) is not None else usage.c[name].is_(None)
                        for name in ("user", "ts", "endpoint", "request_id", "credits")
                    ]
                    if conn.execute(sa.select(usage.c.id).where(*same).limit(1)).first() is None:
                        _write_usage(conn, row)
                        written += 1
        except (sa.exc.DBAPIError, OSError) as exc:
            log.warning("spilled ledger rows not written yet: %s", described(exc))
            return 0
        if written:
            log.info("wrote %d spilled ledger rows from %s", written, self.spill.path)
        return written

    def connection_spend(self, user: str, connection: str, since: datetime) -> float:
        """Credits `user` spent on `connection` since `since`, refunds counted back (a quota's use)."""
        c = usage.c
        with self.engine.connect() as conn:
            return float(
                conn.execute(
                    sa.select(sa.func.sum(c.credits)).where(c.user == user, c.connection == connection, c.ts >= since)
                ).scalar()
                or 0.0
            )

    def spilled_usage(self, user: str) -> int:
        """How many of `user`'s ledger rows wait in the spill file."""
        return len(self.spill.rows(user))

    def update_provisional_usage(self, user: str, row_id: int, **fields) -> bool:
        """A streaming call's provisional row as the call goes on (lib/reply_saving.py); a row
        the call's own record has replaced already is left as it is."""
        clean = {name: without_controls(value) if isinstance(value, str) else value for name, value in fields.items()}
        return self._update(usage, clean, *_provisional(user, row_id))

    def delete_provisional_usage(self, user: str, row_id: int) -> bool:
        """A streaming call's provisional row, when the call's own record did not replace it."""
        return self._delete(usage, *_provisional(user, row_id))

    def add_usage(
        self,
        user: str,
        *,
        endpoint: str,
        model: str | None = None,
        status: int | None = None,
        error_kind: str | None = None,
        latency_ms: float | None = None,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        credits: float = 0.0,
        request_id: str | None = None,
        ts: datetime | None = None,
        reasoning_tokens: int | None = None,
        source: str | None = None,
        connection: str | None = None,
        replaces: int | None = None,
        hold: int | None = None,
    ) -> int:
        """Record one call (credits < 0 records a refund), releasing its quota `hold`. Returns the
        ledger row id."""
        with self.engine.begin() as conn:
            return _write_usage(
                conn,
                dict(
                    user=user,
                    ts=ts or utcnow(),
                    endpoint=endpoint,
                    model=model,
                    status=status,
                    error_kind=error_kind,
                    latency_ms=latency_ms,
                    prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                    credits=credits,
                    request_id=request_id,
                    reasoning_tokens=reasoning_tokens,
                    source=source,
                    connection=connection,
                    replaces=replaces,
                    hold=hold,
                ),
            )

    def add_usage_rows(self, rows: list[dict[str, Any]]) -> None:
        """Bulk insert (benchmarks, tests). Each dict names its user; missing columns default."""
        if not rows:
            return
        defaults = {c.name: None for c in usage.c if c.name not in ("id", "user", "endpoint")}
        now = utcnow()
        full = [{**defaults, "credits": 0.0, **row, "ts": row.get("ts") or now} for row in rows]
        with self.engine.begin() as conn:
            conn.execute(usage.insert(), full)  # executemany: one round trip per batch

    def ledger_version(self) -> int:
        """The newest ledger row id: the ledger is append-only, so a cache keyed on it stays
        right. A count, not anyone's data, so it is not an admin_ method."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.max(usage.c.id))).scalar() or 0

    def usage_ledger(self, user: str) -> UsageLedger:
        """The user's own ledger rows."""
        return UsageLedger(self.engine, usage.c.user == user)

    def admin_usage_ledger(self) -> UsageLedger:
        """Every user's ledger rows (admins only)."""
        return UsageLedger(self.engine)
