"""Database failures named from the real errors of SQLite and PostgreSQL (lib/store/failures.py),
without SQL in their words, and a PostgreSQL connection lost under the pool is replaced."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from lib.store import Store
from lib.store.engine import make_engine
from lib.store.failures import FULL, LOCKED, READ_ONLY, UNREACHABLE, described, kind_of


def failure_of(engine: sa.engine.Engine, statement: str) -> sa.exc.DBAPIError:
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.begin() as conn:
        conn.execute(sa.text(statement))
    return caught.value


def test_sqlite_locked_read_only_and_full(tmp_path):
    path = tmp_path / "x.db"
    Store(f"sqlite:///{path}").dispose()
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    impatient = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    assert kind_of(failure_of(impatient, "INSERT INTO sign_outs VALUES ('a', '2026-01-01')")) == LOCKED
    holder.rollback()
    holder.close()

    read_only = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    failure = failure_of(read_only, "INSERT INTO sign_outs VALUES ('a', '2026-01-01')")
    assert kind_of(failure) == READ_ONLY
    assert described(failure) == "attempt to write a readonly database"

    full = sa.create_engine(f"sqlite:///{path}")
    sa.event.listen(
        full,
        "connect",
        lambda c, _: c.execute("PRAGMA max_page_count = " + str(c.execute("PRAGMA page_count").fetchone()[0])),
    )
    failure = failure_of(full, f"INSERT INTO sign_outs VALUES ('{'x' * 200_000}', '2026-01-01')")
    assert kind_of(failure) == FULL and "INSERT" not in described(failure)


def test_postgresql_read_only_and_a_lost_connection_recovers(store_url):
    if not store_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's own failures")
    store = Store(store_url)
    try:
        engine = make_engine(store_url)
        assert (
            kind_of(failure_of(engine, "SET TRANSACTION READ ONLY; INSERT INTO sign_outs VALUES ('a', now())"))
            == READ_ONLY
        )

        store.set_setting("alice", "lang", "zh")  # the pool now holds a connection
        with engine.begin() as admin:  # the server ends every other session (a restart, a failover)
            admin.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        assert store.get_setting("alice", "lang") == "zh", "pool_pre_ping replaced the dead connection"

        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            with engine.begin() as admin:
                admin.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            with pytest.raises(sa.exc.DBAPIError) as caught:  # killed mid-use: this one fails...
                conn.execute(sa.text("SELECT 1"))
        assert kind_of(caught.value) == UNREACHABLE
        assert store.get_setting("alice", "lang") == "zh", "...and the next one works"
        engine.dispose()
    finally:
        store.dispose()
