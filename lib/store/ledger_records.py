"""Writing the usage ledger (lib/store/ledger.py holds its tables and the queries over it).

A call's row is retried once when the database refuses it, then kept in the spill file
(lib/store/spill.py) until the database takes rows again; a streaming call writes a
provisional row that its own record replaces in one transaction.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.expression import ColumnElement

from lib.safe_text import without_controls
from lib.store.failures import described
from lib.store.ledger import INTERRUPTED, UsageLedger, quota_holds, usage
from lib.store.rows import Rows, inserted_id
from lib.store.spill import UsageSpill
from lib.store.tables import utcnow

RETRY_SECONDS = 0.5  # before the one retry of a ledger write (SQLite has waited 5 s for a lock already)
log = logging.getLogger("reshi.store")


def _provisional(user: str, row_id: int) -> tuple[ColumnElement[bool], ...]:
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
    return inserted_id(conn.execute(usage.insert().values(**row)))


_TEXT_COLUMNS = ("endpoint", "model", "error_kind", "request_id", "connection")


class LedgerRecords(Rows):
    """The Store's ledger methods: writing rows, and the views to read them through."""

    spill: UsageSpill  # set by Store

    def record_usage(self, user: str, **fields: Any) -> bool:
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

    def update_provisional_usage(self, user: str, row_id: int, **fields: Any) -> bool:
        """A streaming call's provisional row as the call goes on (lib/chat/reply_saving.py); a row
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
            return int(conn.execute(sa.select(sa.func.max(usage.c.id))).scalar() or 0)

    def usage_ledger(self, user: str) -> UsageLedger:
        """The user's own ledger rows."""
        return UsageLedger(self.engine, usage.c.user == user)

    def admin_usage_ledger(self) -> UsageLedger:
        """Every user's ledger rows (admins only)."""
        return UsageLedger(self.engine)
