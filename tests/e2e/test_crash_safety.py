"""A server killed with SIGKILL while a reply streams, then started again: the reply that had
arrived is there, marked as cut off, with its call in the ledger (lib/reply_saving.py)."""
from __future__ import annotations

import signal
import time

from playwright.sync_api import Page, expect

from lib.store import Store
from lib.store.ledger import INTERRUPTED
from tests.e2e.helpers import (login, screenshot, start_new_chat, switch_language, switch_language_on_phone,
                               wait_for_app)
from tests.e2e.test_chat import send
from tests.fixtures.app import start_app_server, stop_app_server, write_login_app

QUESTION = "Tell me a long story about the tides of the north sea"


def saved_partial_reply(store: Store, timeout: float = 30):
    """The assistant message a checkpoint wrote (polled: it lands within a couple of seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for conversation in store.list_conversations("alice"):
            replies = [m for m in store.list_messages("alice", conversation.id)
                       if m.role == "assistant" and m.content and (m.meta or {}).get(INTERRUPTED)]
            if replies:
                return conversation, replies[-1]
        time.sleep(0.2)
    raise AssertionError("no partial reply was saved while the reply streamed")


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
        page.goto(url)  # the login cookie outlives the server (cookies ignore the port)
        expect(page.get_by_test_id("stSidebar")).to_contain_text("Alice", timeout=30_000)
        page.get_by_test_id("stSidebar").get_by_role("button", name=conversation.title).click()
        wait_for_app(page)
        expect(page.get_by_text("This reply was cut off")).to_be_visible(timeout=15_000)
        expect(page.get_by_test_id("stChatMessage").nth(1)).to_contain_text(reply.content[:40])
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
