"""Model features in real Chromium against `streamlit run` and the sandbox: a reasoning model's
thinking streams and folds away, a schema reply is checked, probabilities shade a reply, extra
parameters reach the server and View code; all of it survives a reload."""
from __future__ import annotations

import json
import uuid

import pytest
from playwright.sync_api import Page, expect

from lib.store import Store
from tests.e2e.helpers import (
    REPLY_DONE,
    login,
    screenshot,
    start_new_chat,
    switch_language,
    wait_for_app,
)
from tests.e2e.test_chat import send

USER = "bob"


def e2e_store(e2e_dir) -> Store:
    return Store(f"sqlite:///{e2e_dir / 'store.db'}")


def last_reply(e2e_dir):
    store = e2e_store(e2e_dir)
    conversation = store.list_conversations(USER)[0]
    return store.list_messages(USER, conversation.id)[-1]


def open_settings(page: Page):
    page.get_by_role("button", name="Settings").click()
    return page.get_by_test_id("stPopoverBody")


def close_popover(page: Page) -> None:
    page.keyboard.press("Escape")
    wait_for_app(page)


def pick_model(page: Page, name: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text="Model").get_by_role("combobox").click()
    page.get_by_role("option", name=name, exact=True).click()
    wait_for_app(page)


def reply_message(page: Page):
    return page.get_by_test_id("stChatMessage").last


@pytest.mark.parametrize("shape", ["reasoning_content", "reasoning", "think_tag"])
def test_thinking_streams_then_folds_away_and_survives_a_reload(page: Page, app_url, e2e_dir, sandbox_speed,
                                                               sandbox_dialect, shape):
    sandbox_dialect("reshi", shape)
    sandbox_speed(token_rate=25)
    login(page, app_url, USER)
    start_new_chat(page)
    pick_model(page, "deepseek-reasoner")
    body = open_settings(page)
    body.get_by_text("High", exact=True).click()
    wait_for_app(page)
    close_popover(page)
    send(page, f"Why is the sky blue? {uuid.uuid4().hex[:6]}")
    thinking = reply_message(page).get_by_test_id("stExpander")
    expect(thinking.filter(has_text="Thinking…")).to_be_visible(timeout=15_000)
    expect(thinking.get_by_text("The user wrote")).to_be_visible()   # open while it thinks
    expect(reply_message(page)).to_contain_text("You said", timeout=30_000)
    expect(thinking.filter(has_text="Thought for")).to_be_visible(timeout=30_000)
    expect(reply_message(page)).to_contain_text(REPLY_DONE, timeout=30_000)
    expect(thinking.get_by_text("The user wrote")).to_be_hidden()     # folded once the answer came
    expect(reply_message(page)).to_contain_text("reasoning tokens")
    reply = last_reply(e2e_dir)
    assert reply.meta["thinking"].startswith("The user wrote") and "<think>" not in reply.content
    assert reply.meta["reasoning_tokens"] > 0
    if shape == "reasoning_content":
        screenshot(page, "chat-thinking-1400")
    page.reload()
    wait_for_app(page)
    folded = reply_message(page).get_by_test_id("stExpander").filter(has_text="Thought for")
    expect(folded).to_be_visible(timeout=15_000)
    folded.get_by_text("Thought for").click()                          # reopenable
    expect(folded.get_by_text("The user wrote")).to_be_visible()


def test_the_thinking_is_never_sent_back(page: Page, app_url, sandbox, sandbox_speed):
    sandbox_speed(token_rate=0)
    login(page, app_url, USER)
    start_new_chat(page)
    pick_model(page, "o4-mini")
    send(page, "first question")
    expect(reply_message(page)).to_contain_text(REPLY_DONE, timeout=30_000)
    send(page, "second question")
    expect(page.get_by_test_id("stChatMessage")).to_have_count(4, timeout=30_000)
    expect(reply_message(page)).to_contain_text(REPLY_DONE, timeout=30_000)
    body = [r for r in sandbox.control.recent_requests(5) if r["endpoint"] == "chat"][-1]["body"]
    assert "The user wrote" not in json.dumps(body["messages"])
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]


def test_thinking_in_chinese_on_a_phone(page: Page, app_url, sandbox_speed):
    sandbox_speed(token_rate=0)
    login(page, app_url, USER)
    start_new_chat(page)
    page.set_viewport_size({"width": 390, "height": 844})
    wait_for_app(page)
    page.get_by_test_id("stExpandSidebarButton").click()
    switch_language(page, "简体中文")
    page.get_by_test_id("stSidebarCollapseButton").get_by_role("button").click()
    wait_for_app(page)
    page.get_by_test_id("stSelectbox").first.get_by_role("combobox").click()
    page.get_by_role("option", name="gemini-2.5-pro", exact=True).click()
    wait_for_app(page)
    send(page, "天空为什么是蓝色的？")
    expect(reply_message(page).get_by_test_id("stExpander").filter(has_text="思考了")).to_be_visible(timeout=30_000)
    expect(reply_message(page)).to_contain_text("推理词元", timeout=30_000)
    screenshot(page, "chat-thinking-zh-390")
