"""Backup, restore and copy (lib/store/backup.py, `python -m lib.store`), on SQLite and a real
PostgreSQL: a backup taken while rows are being written is one consistent moment and restores
complete; SQLite moves to PostgreSQL and back with every row, and new rows still get new ids."""

from __future__ import annotations

import re
import subprocess
import sys
import threading

from lib.store import Store
from lib.store.backup import backup, copy_database, restore
from lib.store.engine import PROJECT_ROOT, make_engine
from lib.store.transfer import row_counts
from tests.fixtures.releases import release_database
from tests.unit.test_upgrades import every_row

A = "alice"
RELEASE = "r3-2026-12-07-last-before-migrations"


def admin(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lib.store", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        return row_counts(engine)
    finally:
        engine.dispose()


def test_a_backup_taken_while_rows_are_written_restores_complete(store, store_url, tmp_path):
    conversation = store.create_conversation(A, "kept", {})
    store.add_message(A, conversation.id, "user", "hello")
    stop, written = threading.Event(), []

    def chatting():  # a busy app: ledger rows and messages arrive all the time
        while not stop.is_set() and len(written) < 2000:
            written.append(store.add_usage(A, endpoint="chat", credits=1))
            store.add_message(A, conversation.id, "assistant", f"reply {len(written)}")

    writer = threading.Thread(target=chatting)
    writer.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        copied = backup(store_url, tmp_path / "backup.db")
    finally:
        stop.set()
        writer.join()
    assert 20 <= copied["usage"] < len(written) + 1

    restored = f"sqlite:///{tmp_path / 'restored.db'}"
    assert restore(tmp_path / "backup.db", restored) == copied
    rows = every_row(restored)
    usage_ids = [row[0] for row in rows["usage"][1]]
    assert usage_ids == list(range(1, len(usage_ids) + 1)), "one moment: no row missing before the last"
    assert len(rows["messages"][1]) == copied["messages"]
    again = Store(restored)
    try:
        assert again.list_conversations(A)[0].title == "kept"
        assert again.add_usage(A, endpoint="chat", credits=1) == len(usage_ids) + 1
    finally:
        again.dispose()


def test_a_release_database_moves_to_the_other_backend_and_back(store_url, tmp_path):
    source = release_database(RELEASE, f"sqlite:///{tmp_path / 'old.db'}")
    moved = copy_database(source, store_url)
    assert moved == counts(store_url) and moved["conversations"] == 4 and moved["usage"] == 14
    store = Store(store_url)
    try:  # new rows after the copied ids: PostgreSQL's sequences were set past them
        conversation = store.create_conversation(A, "after the move", {})
        assert conversation.id == 5
        assert store.add_usage(A, endpoint="chat", credits=1) == 15
    finally:
        store.dispose()
    back = f"sqlite:///{tmp_path / 'back.db'}"
    assert copy_database(store_url, back)["usage"] == 15
    moved_back = Store(back)
    try:
        [share] = moved_back.list_shares("local")
        assert share.title == "Lisbon day trip (local)" and share.created_at.tzinfo is not None
        assert moved_back.get_video_task("alice", "task-alice-done").prompt == "waves at dusk (done)"
    finally:
        moved_back.dispose()


def test_restore_refuses_a_database_with_rows_unless_told_to_replace(store, store_url, tmp_path):
    store.create_conversation(A, "from the backup", {})
    assert admin("backup", str(tmp_path / "b.db"), "--store", store_url).returncode == 0
    store.create_conversation(A, "made after the backup", {})

    refused = admin("restore", str(tmp_path / "b.db"), "--store", store_url)
    assert refused.returncode == 1 and "the target already has rows (conversations: 2, " in refused.stderr
    assert "Traceback" not in refused.stderr
    replaced = admin("restore", str(tmp_path / "b.db"), "--replace", "--store", store_url)
    assert replaced.returncode == 0, replaced.stderr
    assert re.search(r"conversations +1\n", replaced.stdout), replaced.stdout
    assert [c.title for c in store.list_conversations(A)] == ["from the backup"]


def test_admin_backup_command_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    Store(url).dispose()
    (tmp_path / "taken").write_text("")
    for args, code, words in [
        (["backup", "--help"], 0, "online backup"),
        (["backup", str(tmp_path / "taken"), "--store", url], 2, "exists already"),
        (["restore", str(tmp_path / "missing"), "--store", url], 2, "no backup file"),
        (["copy", "--to", "nope://x", "--store", url], 2, "not a database URL"),
        (["copy", "--store", url], 2, "--to"),
    ]:
        result = admin(*args)
        assert result.returncode == code and words in result.stdout + result.stderr, (args, result)
        assert "Traceback" not in result.stderr
