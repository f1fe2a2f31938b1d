"""The Chat page on a phone (390x844) in real Chromium: the header's actions in one menu beside
the title, the conversation starting in the first screen, the sidebar folded when a page opens,
after "New chat", after a conversation is picked and after a page change; the wide page keeps
its layout. Screenshots at 390x844 and 1400x900 in English and Chinese."""

from __future__ import annotations

import itertools
import uuid

from playwright.sync_api import Page, expect

from lib.store import Store
from tests.e2e.helpers import SCREENSHOTS, login, screenshot, switch_language_on_phone, wait_for_app
from tests.e2e.test_shares import DESKTOP, PHONE, chat


def folded(page: Page) -> None:
    """The sidebar is folded: only its expand button shows, the page is not covered."""
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    expect(sidebar).not_to_be_in_viewport()
    expect(page.get_by_test_id("stExpandSidebarButton")).to_be_visible()


def unfold(page: Page) -> None:
    """Unfolded and done sliding in: a click on a sidebar button while it slides is taken by
    the page under it, and Playwright then scrolls the sidebar to try again (a long
    conversation list keeps that scroll, so later buttons are out of view)."""
    page.get_by_test_id("stExpandSidebarButton").click()
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    expect(sidebar).to_be_in_viewport(ratio=1)


def tops(page: Page, *names: str) -> list[float]:
    return [page.get_by_role("button", name=name).first.bounding_box()["y"] for name in names]


def header_menu(page: Page, menu: str, *actions: str) -> None:
    """On a phone the header is the title and one menu button: the actions show, as a list
    under it, only while the menu is open; a second click closes it."""
    heading = page.locator(".stMain h3").first
    button = page.get_by_role("button", name=menu)
    assert (
        abs(
            button.bounding_box()["y"]
            + button.bounding_box()["height"] / 2
            - heading.bounding_box()["y"]
            - heading.bounding_box()["height"] / 2
        )
        < 16
    ), "the menu beside the title"
    for action in actions:
        expect(page.get_by_role("button", name=action)).to_be_hidden()
    button.click()
    for action in actions:
        expect(page.get_by_role("button", name=action)).to_be_visible()
    listed = tops(page, *actions)
    assert listed == sorted(listed) and min(b - a for a, b in itertools.pairwise(listed)) > 20, f"a list: {listed}"


def close_menu(page: Page, menu: str, action: str) -> None:
    page.get_by_role("button", name=menu).click()
    expect(page.get_by_role("button", name=action)).to_be_hidden()


def long_conversation_list(e2e_dir, user: str) -> None:
    """Dozens of conversations, as anyone has after a while (and as the other browser tests
    leave): the sidebar scrolls, which a short list never shows."""
    store = Store(f"sqlite:///{e2e_dir / 'store.db'}")
    try:
        for n in range(40):
            conversation = store.create_conversation(user, f"Older conversation {n}")
            store.add_message(user, conversation.id, "user", "hello")
    finally:
        store.dispose()


def test_chat_fits_a_phone_and_the_sidebar_folds(page: Page, app_url, e2e_dir):
    long_conversation_list(e2e_dir, "bob")
    page.set_viewport_size(DESKTOP)
    login(page, app_url, "bob")
    question = f"Phone otters {uuid.uuid4().hex[:6]}"
    chat(page, question)
    page.set_viewport_size(PHONE)
    page.goto(app_url)
    wait_for_app(page)
    folded(page)  # a page opens with the sidebar folded
    message = page.get_by_test_id("stChatMessage").first
    expect(message).to_contain_text(question)
    assert message.bounding_box()["y"] < PHONE["height"] * 0.6, "the conversation starts in the first screen"
    expect(page.get_by_role("button", name="Menu")).to_be_visible()
    settings = tops(page, "Settings", "Tools")
    assert max(settings) - min(settings) < 4
    page.screenshot(path=str(SCREENSHOTS / "chat-phone-first-screen-en-390.png"))  # what a phone shows first
    screenshot(page, "chat-phone-en-390")
    header_menu(page, "Menu", "Prompts", "View code", "Export")
    expect(page.get_by_text("Present", exact=True)).to_be_visible()
    screenshot(page, "chat-phone-menu-en-390")
    page.get_by_role("button", name="View code").click()  # an action works from the menu
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    close_menu(page, "Menu", "View code")

    unfold(page)
    page.get_by_role("button", name="New chat").click()
    expect(page.get_by_text("Ask anything")).to_be_visible()
    folded(page)  # after New chat
    unfold(page)
    page.get_by_test_id("stSidebar").get_by_role("button", name=question).click()
    expect(page.get_by_test_id("stChatMessage").first).to_contain_text(question)
    folded(page)  # after picking a conversation
    unfold(page)
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Usage").click()
    expect(page.get_by_role("heading", name="Usage")).to_be_visible()
    folded(page)  # after a page change

    page.goto(app_url)
    wait_for_app(page)
    switch_language_on_phone(page, "简体中文")
    expect(page.get_by_test_id("stChatMessage").first).to_contain_text(question)
    screenshot(page, "chat-phone-zh-390")
    header_menu(page, "菜单", "提示词", "查看代码", "导出")
    screenshot(page, "chat-phone-menu-zh-390")
    page.set_viewport_size(DESKTOP)
    page.get_by_test_id("stExpandSidebarButton").click()  # folded on the phone, it stays so when widened
    wait_for_app(page)
    expect(page.get_by_test_id("stSidebar")).to_be_in_viewport(ratio=1)  # slid all the way in
    screenshot(page, "chat-desktop-zh-1400")
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    wait_for_app(page)
    wide = tops(page, "Prompts", "View code", "Export")
    assert max(wide) - min(wide) < 4
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()  # the wide page has its row, no menu
    screenshot(page, "chat-desktop-en-1400")
