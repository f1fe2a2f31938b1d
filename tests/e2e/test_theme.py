"""Dark mode (issue 31 item 20): System / Light / Dark is each user's choice, kept in the store
and shown in every browser they sign in from, in both languages and at both sizes."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from lib.ui.chat.view import OPEN_SETTING
from tests.e2e.helpers import login, screenshot, switch_language, switch_language_on_phone, wait_for_app
from tests.e2e.test_chat_features import e2e_store
from tests.e2e.test_shares import DESKTOP, PHONE

# The app's background in Streamlit's two themes (#171614 and #ffffff).
DARK, LIGHT = "rgb(23, 22, 20)", "rgb(255, 255, 255)"
USER = "bob"


def pick_theme(page: Page, name: str) -> None:
    page.get_by_test_id("stSidebar").get_by_text(name, exact=True).click()


def a_conversation_to_look_at(e2e_dir) -> None:
    store = e2e_store(e2e_dir)
    conversation = store.create_conversation(USER, "Sorting in Python", {})
    store.add_message(USER, conversation.id, "user", "How do I sort a list of words by length?")
    store.add_message(
        USER,
        conversation.id,
        "assistant",
        "Use `sorted` with a key:\n\n```python\nwords = ['pear', 'fig', 'banana']\n"
        "print(sorted(words, key=len))\n```\n\n| word | length |\n|---|---|\n| fig | 3 |\n"
        "| pear | 4 |\n\n> A stable sort keeps words of the same length in their order.",
        {"model": "gpt-4o-mini", "credits": 1, "tokens": 40},
    )
    store.set_setting(USER, OPEN_SETTING, conversation.id)


def test_dark_chosen_in_one_browser_is_the_users_in_a_new_one(page: Page, browser: Browser, app_url, e2e_dir):
    a_conversation_to_look_at(e2e_dir)
    page.set_viewport_size(DESKTOP)
    login(page, app_url, USER)
    app = page.get_by_test_id("stApp")
    expect(app).to_have_css("background-color", LIGHT)
    pick_theme(page, "Dark")
    expect(app).to_have_css("background-color", DARK, timeout=30_000)  # the page reloads once
    wait_for_app(page)
    assert e2e_store(e2e_dir).get_setting(USER, "theme") == "dark"
    expect(page.get_by_text("A stable sort keeps")).to_be_visible()
    screenshot(page, "theme-dark-en-1400")
    page.keyboard.press("?")  # the shortcuts' overlay, drawn by the app's own script, is dark too
    expect(page.locator("#reshi-shortcuts > div")).to_have_css("background-color", DARK)
    page.keyboard.press("Escape")

    phone = browser.new_context(viewport=PHONE).new_page()  # nothing of the first browser's
    try:
        login(phone, app_url, USER)
        expect(phone.get_by_test_id("stApp")).to_have_css("background-color", DARK, timeout=30_000)
        wait_for_app(phone)
        expect(phone.get_by_text("A stable sort keeps")).to_be_visible()
        screenshot(phone, "theme-dark-en-390")
        switch_language_on_phone(phone, "简体中文")
        expect(phone.get_by_test_id("stApp")).to_have_css("background-color", DARK)
        screenshot(phone, "theme-dark-zh-390")
    finally:
        phone.context.close()

    switch_language(page, "简体中文")
    try:
        expect(page.get_by_test_id("stSidebar").get_by_text("深色", exact=True)).to_be_visible()
        screenshot(page, "theme-dark-zh-1400")
        pick_theme(page, "浅色")
        expect(app).to_have_css("background-color", LIGHT, timeout=30_000)
        wait_for_app(page)
        assert e2e_store(e2e_dir).get_setting(USER, "theme") == "light"
    finally:
        switch_language(page, "English")
        e2e_store(e2e_dir).set_setting(USER, "theme", None)
