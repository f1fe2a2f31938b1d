"""Presentation mode in real Chromium: the Chat page's toggle and `?present=1` show the open
conversation one turn at a time with nothing else of the app; ← → and the buttons step, Esc and
"Exit presentation" leave; a comparison shows each model's figures; a signed-out phone presents
a share link. Screenshots at 1400x900 and 390x844, English and Chinese."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Page, expect

from lib.chat import compare
from lib.ui.chat.view import OPEN_SETTING
from tests.e2e.helpers import login, screenshot, wait_for_app
from tests.e2e.test_chat import send
from tests.e2e.test_chat_features import e2e_store
from tests.e2e.test_shares import DESKTOP, PHONE, chat, open_signed_out, share_open_conversation

MODELS = ("gpt-4o-mini", "gemini-pro", "deepseek-chat")


def a_question_then_a_comparison(e2e_dir, user: str, first: str, second: str) -> None:
    """Stored as the Chat page stores them, and opened: the sending itself is tested elsewhere."""
    store = e2e_store(e2e_dir)
    conversation = store.create_conversation(user, first, {})
    store.add_message(user, conversation.id, "user", first)
    store.add_message(
        user,
        conversation.id,
        "assistant",
        f"One answer to {first}",
        {"model": "gpt-4o-mini", "elapsed": 1.3, "tps": 42.0, "tokens": 55, "credits": 1},
    )
    store.add_message(user, conversation.id, "user", second)
    for column, model in enumerate(MODELS):
        store.add_message(
            user,
            conversation.id,
            "assistant",
            f"{model} answers {second}",
            {
                "model": model,
                "elapsed": 1.5 + column,
                "tps": 30.0 + column,
                "tokens": 60,
                "credits": 1 + column,
                **compare.column_meta(conversation.id, column),
            },
        )
    store.set_setting(user, OPEN_SETTING, conversation.id)


def position(page: Page):
    return page.locator(".st-key-present_bar")


def expect_presenting(page: Page, shown: str, hidden: str, where: str) -> None:
    """Only the slide: its question, where the talk is, no sidebar, no settings, no input."""
    expect(position(page)).to_contain_text(where)
    user = page.get_by_test_id("stChatMessage").first
    expect(user).to_contain_text(shown)
    expect(page.get_by_test_id("stChatMessage").filter(has_text=hidden)).to_have_count(0)
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_test_id("stChatInput")).to_have_count(0)
    expect(page.get_by_role("button", name="Settings")).to_have_count(0)


def test_the_toggle_presents_and_the_keys_step_and_leave(page: Page, app_url, e2e_dir):
    page.set_viewport_size(DESKTOP)
    first, second = f"Otters {uuid.uuid4().hex[:6]}?", f"Herons {uuid.uuid4().hex[:6]}?"
    a_question_then_a_comparison(e2e_dir, "root", first, second)
    login(page, app_url, "root")
    page.get_by_text("Present", exact=True).click()
    expect(page.get_by_role("button", name="Exit presentation")).to_be_visible(timeout=15_000)
    wait_for_app(page)
    expect(page).to_have_url(re.compile(r"\?present=1$"))
    expect_presenting(page, first, second, "1 / 2")
    key = (e2e_dir / "key").read_text()
    assert key not in page.content()

    page.keyboard.press("ArrowRight")
    expect_presenting(page, second, first, "2 / 2")
    wait_for_app(page)
    expect(page).to_have_url(re.compile(r"\?present=1&slide=2$"))
    expect(page.locator("[class*=st-key-present_figures]").filter(has_text="Latency")).to_have_count(3)
    for model in MODELS:
        expect(page.get_by_text(model, exact=True).first).to_be_visible()
    screenshot(page, "present-compare-en-1400")
    page.set_viewport_size(PHONE)
    wait_for_app(page)
    screenshot(page, "present-compare-en-390")
    page.set_viewport_size(DESKTOP)

    page.keyboard.press("ArrowLeft")
    expect_presenting(page, first, second, "1 / 2")
    wait_for_app(page)
    page.locator(".st-key-present_next").get_by_role("button").click()  # the buttons step too
    expect_presenting(page, second, first, "2 / 2")
    wait_for_app(page)

    page.keyboard.press("Escape")
    expect(page.get_by_test_id("stChatInput")).to_be_visible(timeout=15_000)
    wait_for_app(page)
    expect(page).not_to_have_url(re.compile("present"))
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    expect(page.locator(".st-key-chat_present input")).not_to_be_checked()
    expect(page.get_by_test_id("stChatMessage")).to_have_count(4)  # both questions, the reply, the comparison


def test_the_url_presents_in_chinese(page: Page, app_url):
    first, second = f"水獭 {uuid.uuid4().hex[:6]}？", f"苍鹭 {uuid.uuid4().hex[:6]}？"
    page.set_viewport_size(DESKTOP)
    login(page, app_url, "alice")
    page.get_by_test_id("stSidebar").get_by_text("简体中文").click()
    wait_for_app(page)
    try:
        start_new_chat_zh(page)
        for n, question in enumerate((first, second), start=1):
            send(page, question)
            expect(page.get_by_text(re.compile(r"积分：\d+"))).to_have_count(n, timeout=30_000)
            wait_for_app(page)
        page.goto(f"{app_url}/?present=1&slide=2")
        expect(page.get_by_role("button", name="退出演示")).to_be_visible(timeout=30_000)
        wait_for_app(page)
        expect_presenting(page, second, first, "2 / 2")
        expect(page.locator("[class*=st-key-present_figures]").filter(has_text="耗时")).to_have_count(1)
        screenshot(page, "present-zh-1400")
        page.set_viewport_size(PHONE)
        wait_for_app(page)
        screenshot(page, "present-zh-390")
        page.get_by_role("button", name="退出演示").click()
        expect(page.get_by_test_id("stChatInput")).to_be_visible(timeout=15_000)
        wait_for_app(page)
    finally:
        page.set_viewport_size(DESKTOP)
        page.get_by_test_id("stSidebar").get_by_text("English").click()  # alice's other tests read English
        wait_for_app(page)


def start_new_chat_zh(page: Page) -> None:
    page.get_by_role("button", name="新对话").click()
    wait_for_app(page)


def test_a_signed_out_phone_presents_a_share_link(page: Page, browser: Browser, app_url):
    question = f"sharedKingfisher {uuid.uuid4().hex[:6]} tell me about kingfishers"
    login(page, app_url, "alice")
    chat(page, question)
    link = share_open_conversation(page)
    phone = open_signed_out(browser, link + "&present=1", PHONE)
    expect(phone.get_by_role("button", name="Exit presentation")).to_be_visible()
    expect(phone.get_by_test_id("stChatMessage").first).to_contain_text(question)
    expect(position(phone)).to_contain_text("1 / 1")
    expect(phone.get_by_test_id("stSidebar")).to_be_hidden()
    screenshot(phone, "present-share-en-390")
    phone.keyboard.press("Escape")
    expect(phone.get_by_role("button", name="Present")).to_be_visible(timeout=15_000)
    wait_for_app(phone)
    expect(phone).to_have_url(re.compile(r"\?share=[A-Za-z0-9_-]+$"))
    phone.context.close()
