"""A ledger row the database will not take (read-only here; locked, full and unreachable go the same way) is retried, kept in the spill file,
logged at ERROR, and written at the next start or the next write that works, once; on SQLite
and PostgreSQL, with the database really refusing writes."""

from __future__ import annotations

import contextlib
import logging

import pytest
import sqlalchemy as sa

from lib.store import Store
from lib.store.engine import make_engine

A = "alice"


@contextlib.contextmanager
def refusing_writes(store: Store, url: str):
    """SQLite: every connection is read-only ('attempt to write a readonly database'; as root a
    file's mode would not stop us). PostgreSQL: the database is made read-only and its sessions
    ended (SQLSTATE 25006 on the next write)."""
    if url.startswith("sqlite"):

        def read_only(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA query_only = ON")

        store.engine.dispose()
        sa.event.listen(store.engine, "connect", read_only)
        try:
            yield
        finally:
            sa.event.remove(store.engine, "connect", read_only)
            store.engine.dispose()
        return
    name = sa.engine.make_url(url).database
    admin = make_engine(url.rsplit("/", 1)[0] + "/postgres")
    with admin.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    store.engine.dispose()
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(sa.text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off'))
        admin.dispose()
        store.engine.dispose()


def credits_of(store: Store) -> list[float]:
    return store.usage_ledger(A).calls()["credits"].tolist()


def test_a_refused_row_is_kept_logged_and_written_at_the_next_start(store, store_url, caplog):
    store.record_usage(A, endpoint="chat", model="m", credits=1, request_id="before")
    store.spill.path.unlink(missing_ok=True)
    with refusing_writes(store, store_url), caplog.at_level(logging.ERROR, "reshi.store"):
        assert store.record_usage(A, endpoint="chat", model="m", credits=3, request_id="kept") is False
        assert store.record_usage(A, endpoint="images", model="g", credits=4, request_id="kept-too") is False
        assert store.spilled_usage(A) == 2 and store.spilled_usage("bob") == 0
        assert credits_of(store) == [1.0]
    assert [r.levelname for r in caplog.records].count("ERROR") == 2
    assert "ledger write failed" in caplog.records[0].getMessage()
    assert "INSERT INTO" not in caplog.text and "[SQL" not in caplog.text

    again = Store(store_url)  # the next start writes them
    try:
        assert sorted(credits_of(again)) == [1.0, 3.0, 4.0]
        assert not again.spill.exists() and again.spilled_usage(A) == 0
        Store(store_url).dispose()  # and a later start finds nothing more to write
        assert sorted(credits_of(again)) == [1.0, 3.0, 4.0]
    finally:
        again.dispose()


def test_the_next_write_that_works_brings_the_kept_rows_in(store, store_url):
    with refusing_writes(store, store_url):
        assert not store.record_usage(A, endpoint="chat", credits=2, request_id="kept")
    assert store.record_usage(A, endpoint="chat", credits=5, request_id="works")
    assert sorted(credits_of(store)) == [2.0, 5.0]
    assert store.spilled_usage(A) == 0


def test_a_replay_cut_short_writes_nothing_twice(store, store_url):
    with refusing_writes(store, store_url):
        store.record_usage(A, endpoint="chat", credits=2, request_id="kept")
    kept = store.spill.path.read_text()
    assert store.replay_spilled_usage() == 1
    store.spill.path.write_text(kept + '{"user": "alice", "ts": "2026-')  # written again, with a torn line
    assert store.replay_spilled_usage() == 0
    assert credits_of(store) == [2.0]


def test_a_row_neither_database_nor_disk_takes_is_logged_held_and_written_later(
    store, store_url, caplog, tmp_path, monkeypatch
):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setattr(store.spill, "path", tmp_path / "a-file" / "spill.jsonl")  # the spill cannot be written either
    with refusing_writes(store, store_url), caplog.at_level(logging.ERROR, "reshi.store"):
        assert not store.record_usage(A, endpoint="chat", credits=7, request_id="last-words")
        assert store.spilled_usage(A) == 1  # the user is told it waits
    assert "ledger row held in memory only" in caplog.text
    assert '"request_id": "last-words"' in caplog.text and '"credits": 7' in caplog.text
    assert store.record_usage(A, endpoint="chat", credits=5, request_id="works")
    assert sorted(credits_of(store)) == [5.0, 7.0] and store.spilled_usage(A) == 0


@pytest.fixture(autouse=True)
def _no_spill_left(store):
    yield
    if store.spill.path is not None:
        store.spill.path.unlink(missing_ok=True)


def test_a_kept_record_of_a_streaming_call_replaces_its_provisional_row(store, store_url):
    """A streaming reply's call (lib/chat/reply_saving.py) kept in the spill file still takes the place
    of its provisional row when it is written: the call is one row."""
    provisional = store.add_usage(A, endpoint="chat", error_kind="interrupted", completion_tokens=3)
    with refusing_writes(store, store_url):
        assert not store.record_usage(A, endpoint="chat", credits=2, completion_tokens=9, replaces=provisional)
    assert store.record_usage(A, endpoint="chat", credits=5, request_id="works")
    calls = store.usage_ledger(A).calls()
    assert sorted(zip(calls["credits"], calls["error_kind"].fillna(""))) == [(2.0, ""), (5.0, "")]
