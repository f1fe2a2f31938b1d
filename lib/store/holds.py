"""Quota holds: the credits a paid call may cost, held in the database from the moment it passes
the admin's quota check until its ledger row is written (lib/credits/quotas.py).

A hold is taken in the same transaction as the check, under a lock per user that every replica
on the database shares: PostgreSQL's transaction-level advisory lock on the user, SQLite's
BEGIN IMMEDIATE (the database's one write lock). The ledger row of the call deletes its hold in
the row's own transaction (`_write_usage` in lib/store/ledger_records.py), so a call is counted once at
every moment: held, or spent. A hold whose call never reports (its process died) counts until
`expires_at`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa

from lib.store.ledger import quota_holds, usage
from lib.store.rows import Rows

_PG_LOCK_SPACE = 24_0001  # the first of PostgreSQL's two advisory-lock keys: "quota holds"


class Holding:
    """One user's quota, locked against every other `holding` of that user until it ends."""

    def __init__(self, conn: sa.Connection, user: str, now: datetime):
        self._conn, self._user, self._now = conn, user, now

    def spent_and_held(self, connection: str, since: tuple[datetime, ...]) -> list[float]:
        """For each start in `since`: credits the user spent on `connection` from then on
        (refunds counted back), plus every live hold. One statement: on PostgreSQL a ledger row
        landing meanwhile (its hold going) is seen whole or not at all."""
        held = (
            sa.select(sa.func.coalesce(sa.func.sum(quota_holds.c.credits), 0.0))
            .where(quota_holds.c.user == self._user, quota_holds.c.expires_at > self._now)
            .scalar_subquery()
        )
        spent = [
            sa.select(sa.func.coalesce(sa.func.sum(usage.c.credits), 0.0))
            .where(usage.c.user == self._user, usage.c.connection == connection, usage.c.ts >= start)
            .scalar_subquery()
            for start in since
        ]
        row = self._conn.execute(sa.select(held, *spent)).one()
        return [float(value) + float(row[0]) for value in row[1:]]

    def hold(self, credits: float, expires_at: datetime) -> int:
        """Hold `credits` for a call about to be sent; the hold's id, for its ledger row."""
        self._conn.execute(
            quota_holds.delete().where(quota_holds.c.user == self._user, quota_holds.c.expires_at <= self._now)
        )
        key = self._conn.execute(
            quota_holds.insert().values(user=self._user, credits=credits, expires_at=expires_at)
        ).inserted_primary_key
        assert key is not None  # an INSERT of one row always has its key
        return int(key[0])


class QuotaHolds(Rows):
    @contextmanager
    def quota_holding(self, user: str, now: datetime) -> Iterator[Holding]:
        """A transaction on `user`'s quota that no other one for `user` runs beside, on any
        replica of this database; committed when the block ends, rolled back if it raises."""
        with self.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # waits (busy_timeout) for the write lock
            else:
                conn.execute(
                    sa.text("SELECT pg_advisory_xact_lock(CAST(:space AS integer), hashtext(:user))"),
                    {"space": _PG_LOCK_SPACE, "user": user},
                )
            try:
                yield Holding(conn, user, now)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
