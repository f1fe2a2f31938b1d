"""A server killed with SIGKILL while a reply streams, then started again: the reply that had
arrived is there, marked as cut off, with its call in the ledger (lib/chat/reply_saving.py). A backup
taken while a reply streams (`python -m lib.store backup`) holds the reply as far as it had come
with its call, restores complete, and the reply goes on meanwhile."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from playwright.sync_api import Page, expect

from lib.store import Store
from lib.store.ledger import INTERRUPTED
from tests.e2e.helpers import (
    REPLY_DONE,
    login,
    screenshot,
    start_new_chat,
    switch_language,
    switch_language_on_phone,
    wait_for_app,
)
from tests.e2e.test_chat import send
from tests.fixtures.app import ROOT, start_app_server, stop_app_server, write_login_app

QUESTION = "Tell me a long story about the tides of the north sea"


def saved_partial_reply(store: Store, timeout: float = 30):
    """The assistant message a checkpoint wrote (polled: it lands within a couple of seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for conversation in store.list_conversations("alice"):
            replies = [
                m
                for m in store.list_messages("alice", conversation.id)
                if m.role == "assistant" and m.content and (m.meta or {}).get(INTERRUPTED)
            ]
            if replies:
                return conversation, replies[-1]
        time.sleep(0.2)
    raise AssertionError("no partial reply was saved while the reply streamed")


def sees_the_cut_off_reply(page: Page, url: str, title: str, content: str) -> None:
    """alice, back on a started server, opens the conversation and sees its reply marked cut off."""
    page.goto(url)  # the login cookie outlives the server (cookies ignore the port)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Alice", timeout=30_000)
    page.get_by_test_id("stSidebar").get_by_role("button", name=title).click()
    wait_for_app(page)
    expect(page.get_by_text("This reply was cut off")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("stChatMessage").nth(1)).to_contain_text(content[:40])


def test_kill_9_mid_reply_keeps_the_partial_reply_and_its_ledger_row(page: Page, sandbox, sandbox_speed, tmp_path):
    sandbox_speed(token_rate=12)  # a reply of many seconds
    folder = write_login_app(tmp_path, sandbox, f"sqlite:///{tmp_path / 'store.db'}")
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    url, server = start_app_server(folder, "server.log")
    try:
        login(page, url, "alice")
        start_new_chat(page)
        send(page, QUESTION)
        expect(page.get_by_test_id("stChatMessage").nth(1)).to_be_visible(timeout=15_000)
        saved_partial_reply(store)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()

    conversation, reply = saved_partial_reply(store, timeout=0.1)
    calls = store.usage_ledger("alice").calls()
    chat_calls = calls[calls["endpoint"] == "chat"]
    assert chat_calls["error_kind"].tolist() == [INTERRUPTED]
    assert chat_calls["completion_tokens"].iloc[0] > 0 and chat_calls["request_id"].iloc[0]

    url, server = start_app_server(folder, "server-after.log")
    try:
        sees_the_cut_off_reply(page, url, conversation.title, reply.content)
        expect(page.get_by_role("button", name="Continue")).to_be_visible()
        page.keyboard.press("Escape")  # the sidebar click may have opened the conversation's menu
        page.set_viewport_size({"width": 1400, "height": 900})
        screenshot(page, "chat-interrupted-by-a-crash-1400")
        switch_language(page, "简体中文")
        expect(page.get_by_text("此回复被中断")).to_be_visible()
        screenshot(page, "chat-interrupted-by-a-crash-1400-zh")
        page.set_viewport_size({"width": 390, "height": 844})
        wait_for_app(page)
        screenshot(page, "chat-interrupted-by-a-crash-390-zh")
        switch_language_on_phone(page, "English")
        screenshot(page, "chat-interrupted-by-a-crash-390")
    finally:
        stop_app_server(server)
        store.dispose()


def admin(*args: str) -> None:
    """`python -m lib.store ...` as an operator runs it beside the app."""
    done = subprocess.run(
        [sys.executable, "-m", "lib.store", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def chat_calls(store: Store):
    calls = store.usage_ledger("alice").calls()
    return calls[calls["endpoint"] == "chat"]


def test_a_backup_taken_while_a_reply_streams_restores_complete(page: Page, sandbox, sandbox_speed, tmp_path):
    sandbox_speed(token_rate=12)  # a reply of many seconds
    live_url, backup = f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "backup.db"
    folder = write_login_app(tmp_path, sandbox, live_url)
    live = Store(live_url)
    url, server = start_app_server(folder, "server.log")
    try:
        login(page, url, "alice")
        start_new_chat(page)
        send(page, QUESTION)
        saved_partial_reply(live)
        admin("backup", str(backup), "--store", live_url)
        sandbox_speed(token_rate=0)  # the rest of the reply at once: the backup has been taken
        reply = page.get_by_test_id("stChatMessage").nth(1)
        expect(reply).to_contain_text(REPLY_DONE, timeout=60_000)  # the reply went on to its end
        expect(page.get_by_text("This reply was cut off")).to_have_count(0)
    finally:
        stop_app_server(server)
    conversation = live.list_conversations("alice")[0]
    final = live.list_messages("alice", conversation.id)[-1]
    assert INTERRUPTED not in final.meta and chat_calls(live)["error_kind"].isna().all()

    restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
    admin("restore", str(backup), "--store", restored_url)
    restored = Store(restored_url)
    try:
        [question, partial] = restored.list_messages("alice", conversation.id)
        assert question.content == QUESTION and partial.meta[INTERRUPTED]
        assert (
            partial.content and final.content.startswith(partial.content) and len(partial.content) < len(final.content)
        )
        [call] = chat_calls(restored).to_dict("records")  # the reply's call, as far as it had come
        assert call["error_kind"] == INTERRUPTED and 0 < call["completion_tokens"] <= final.meta["tokens"]
    finally:
        restored.dispose()
        live.dispose()

    (tmp_path / "restored").mkdir()
    url, server = start_app_server(write_login_app(tmp_path / "restored", sandbox, restored_url), "server.log")
    try:
        sees_the_cut_off_reply(page, url, conversation.title, partial.content)
    finally:
        stop_app_server(server)


def test_a_full_disk_gives_a_message_keeps_the_typed_text_and_recovers(page: Page, sandbox, sandbox_speed, tmp_path):
    """The database's disk fills up while the app runs (a real 2 MB tmpfs: root only, skipped
    elsewhere): a new chat still opens, sending says why it cannot be saved, the text stays in
    the box, and once the operator frees space the same text is sent."""
    from tests.app.test_store_errors import filled, small_disk

    sandbox_speed(token_rate=0)
    with small_disk(tmp_path) as disk:
        url = f"sqlite:///{disk / 'store.db'}"
        server_url, server = start_app_server(write_login_app(tmp_path, sandbox, url), "server.log")
        try:
            login(page, server_url, "alice")
            filler = filled(disk)
            start_new_chat(page)  # remembering the open chat fails: the page still works
            send(page, "Hello from a full disk")
            expect(page.get_by_text("The database's disk is full")).to_be_visible(timeout=15_000)
            box = page.get_by_test_id("stChatInputTextArea")
            expect(box).to_have_value("Hello from a full disk")
            screenshot(page, "store-full-disk-1400")
            switch_language(page, "简体中文")  # saving the choice fails: the session switches all the same
            expect(page.get_by_role("heading", name="新对话")).to_be_visible(timeout=15_000)
            expect(box).to_have_value("Hello from a full disk")
            page.set_viewport_size({"width": 390, "height": 844})
            wait_for_app(page)
            screenshot(page, "store-full-disk-390-zh")
            page.set_viewport_size({"width": 1400, "height": 900})
            wait_for_app(page)
            switch_language(page, "English")
            filler.unlink()  # the operator frees some space
            box.press("Enter")
            expect(page.get_by_test_id("stChatMessage").nth(1)).to_contain_text(REPLY_DONE, timeout=30_000)
            expect(page.get_by_text("The database's disk is full")).to_have_count(0)
        finally:
            stop_app_server(server)
        store = Store(url)
        try:
            [conversation] = store.list_conversations("alice")
            assert [m.content for m in store.list_messages("alice", conversation.id)][0] == "Hello from a full disk"
            assert "chat" in store.usage_ledger("alice").calls()["endpoint"].tolist()
        finally:
            store.dispose()
