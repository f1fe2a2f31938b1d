"""What a user sees when the app's database cannot be used (issue 22)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from lib.store import Store
from lib.ui.state.shell import Language
from tests.app.helpers import state_of
from tests.fixtures.app import APPTEST_ENTRY, make_app


def made_by_a_newer_release(url: str) -> None:
    Store(url).dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()


def test_a_database_from_a_newer_release_is_a_message_not_a_traceback(app_secrets):
    made_by_a_newer_release(app_secrets["store"]["url"])
    at = make_app(app_secrets)
    assert not at.exception
    assert not at.chat_input, "no page runs on a database this release must not touch"
    assert "newer release of Reshi Playground (schema revision 9999" in at.error[0].value


def test_the_message_in_chinese(app_secrets):
    made_by_a_newer_release(app_secrets["store"]["url"])
    at = AppTest.from_file(APPTEST_ENTRY, default_timeout=30)
    at.secrets.update(app_secrets)
    state_of(at, Language).code = "zh"
    at.run()
    assert not at.exception
    assert "此数据库最近由更新版本的 Reshi Playground 打开（结构版本 9999" in at.error[0].value


def refused_with_the_text_kept(at, reason: str):
    """A message sent to a database that takes no writes: the reason, the text back in the box,
    and the model list's call (made as the page opened) announced as waiting."""
    at.chat_input[0].set_value("Hello there").run()
    assert not at.exception
    assert reason in at.error[0].value
    assert at.chat_input[0].value == "Hello there", "what the user typed is back in the input"
    assert any("Usage records of yours waiting to be written: 1" in w.value for w in at.warning), (
        "the model list's call, kept aside, is announced"
    )
    return at


def sent_with_every_call_recorded(at, url: str) -> Store:
    """The database takes writes again: the message is sent, and every call is in the ledger."""
    at.chat_input[0].set_value("Hello there").run()
    assert not at.exception and not at.error
    store = Store(url)
    conversation = store.list_conversations("local")[0]
    assert [m.role for m in store.list_messages("local", conversation.id)] == ["user", "assistant"]
    assert store.list_messages("local", conversation.id)[0].content == "Hello there"
    endpoints = store.usage_ledger("local").calls()["endpoint"].tolist()
    assert endpoints.count("models") >= 1 and "chat" in endpoints, "the kept row was written"
    assert store.spilled_usage("local") == 0
    return store


def test_a_read_only_database_keeps_the_typed_text_and_the_call_then_recovers(app_secrets):
    writable = app_secrets["store"]["url"]
    Store(writable).dispose()
    path = sa.engine.make_url(writable).database
    read_only = {**app_secrets, "store": {"url": f"sqlite:///file:{path}?mode=ro&uri=true"}}
    at = refused_with_the_text_kept(make_app(read_only), "The database is read-only just now")
    at.secrets["store"] = {"url": writable}  # the operator makes the database writable again
    sent_with_every_call_recorded(at, writable).dispose()


def test_an_admin_takes_over_single_user_work_on_the_usage_page(login_secrets):
    store = Store(login_secrets["store"]["url"])
    conversation = store.create_conversation("local", "made before login", {})
    store.add_message("local", conversation.id, "user", "hello")
    store.add_usage("local", endpoint="chat", credits=2)
    assert not any(
        e.label == "Work from single-user mode (admin)"
        for e in make_app(login_secrets, "app_pages/usage.py", user="alice").expander
    ), "admins only"

    at = make_app(login_secrets, "app_pages/usage.py", user="root")
    assert any(e.label == "Work from single-user mode (admin)" for e in at.expander)
    assert any("3 rows (conversations: 1, ledger rows: 1)" in c.value for c in at.caption)
    at.button(key="store_adopt_local").click().run()
    assert not at.exception
    assert [c.title for c in store.list_conversations("root")] == ["made before login"]
    assert store.count_user_rows("local") == {}
    assert not any(e.label == "Work from single-user mode (admin)" for e in at.expander)


@contextlib.contextmanager
def small_disk(tmp_path: Path):
    """A 2 MB filesystem of its own (tmpfs: mounting needs root, so elsewhere the test is skipped)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("mounting a small filesystem needs root")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)


def filled(disk: Path) -> Path:
    """The disk's last byte taken by a file, which the operator deletes to free the disk."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 4096, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_keeps_the_typed_text_and_the_calls_then_recovers(app_secrets, tmp_path):
    """A real full disk under the SQLite file and its spill file: the model list's call is held
    by the process (and announced), the message is refused with the reason and goes back into the
    box; once space is freed, sending works and every call is in the ledger."""
    with small_disk(tmp_path) as disk:
        url = f"sqlite:///{disk / 'store.db'}"
        Store(url).dispose()
        running = sqlite3.connect(disk / "store.db")  # a running app's WAL files stay open
        running.execute("PRAGMA journal_mode=WAL")
        filler = filled(disk)
        at = refused_with_the_text_kept(make_app({**app_secrets, "store": {"url": url}}), "The database's disk is full")
        filler.unlink()  # the operator frees some space
        sent_with_every_call_recorded(at, url).dispose()
        running.close()
