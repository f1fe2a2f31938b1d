"""Share links in real Chromium: a signed-in user shares a conversation; a new, signed-out
browser on a phone-sized screen sees that conversation and nothing more; after Revoke the
link says so. Screenshots of the viewer at desktop and phone size, in English and Chinese."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Page, expect

from lib.sharing import shares
from lib.store import Store
from tests.e2e.helpers import login, screenshot, start_new_chat, wait_for_app, wait_for_new_title
from tests.imagefiles import image_bytes

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1400, "height": 900}


def chat(page: Page, text: str) -> None:
    start_new_chat(page)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")
    wait_for_new_title(page, text)
    expect(page.get_by_text(re.compile(r"credits: \d+"))).to_be_visible()


def share_open_conversation(page: Page) -> str:
    page.get_by_role("button", name="Export").click()
    page.get_by_role("button", name="Share", exact=True).click()
    dialog = page.get_by_role("dialog", name="Share a read-only link")
    expect(dialog).to_be_visible()
    dialog.get_by_role("radio", name="in 1 day").click()
    wait_for_app(page)
    dialog.get_by_role("button", name="Create link").click()
    link = dialog.get_by_test_id("stCode")
    expect(link).to_contain_text("share=", timeout=15_000)
    screenshot(page, "share-dialog")
    return link.inner_text().strip()


def open_signed_out(browser: Browser, link: str, viewport: dict, locale: str = "en-US") -> Page:
    """A new browser context: no cookie, no session, nothing of the owner's."""
    viewer = browser.new_context(viewport=viewport, locale=locale).new_page()
    viewer.goto(link)
    wait_for_app(viewer)
    return viewer


def test_a_signed_out_phone_sees_the_shared_conversation_only_until_revoked(page: Page, browser: Browser, app_url):
    private, shared = f"privateBadger {uuid.uuid4().hex[:6]}", f"sharedOtter {uuid.uuid4().hex[:6]}"
    login(page, app_url, "alice")
    chat(page, f"{private} keep this to myself")
    chat(page, f"{shared} tell me about otters in a short list")
    link = share_open_conversation(page)
    assert re.fullmatch(re.escape(app_url) + r"/\?share=[A-Za-z0-9_-]{43}", link)

    phone = open_signed_out(browser, link, PHONE)
    expect(phone.get_by_test_id("stChatMessage").first).to_contain_text(shared)
    expect(phone.get_by_test_id("stChatMessage")).to_have_count(2)
    expect(phone.get_by_test_id("stSidebar")).to_have_count(0)
    expect(phone.get_by_test_id("stSidebarCollapsedControl")).to_have_count(0)
    expect(phone.get_by_role("textbox", name="Username")).to_have_count(0)
    body = phone.locator("body").inner_text()
    assert private not in body and "Alice" not in body and "sk-" not in body
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    screenshot(phone, "share-viewer-phone")

    desktop = open_signed_out(browser, link, DESKTOP)
    expect(desktop.get_by_test_id("stChatMessage").first).to_contain_text(shared)
    screenshot(desktop, "share-viewer-desktop")
    chinese = open_signed_out(browser, link, PHONE, locale="zh-CN")  # Accept-Language picks the language
    expect(chinese.get_by_text("来自 Reshi 调试台的只读分享")).to_be_visible()
    screenshot(chinese, "share-viewer-phone-zh")
    chinese_desktop = open_signed_out(browser, link, DESKTOP, locale="zh-CN")
    expect(chinese_desktop.get_by_test_id("stChatMessage").first).to_contain_text(shared)
    screenshot(chinese_desktop, "share-viewer-desktop-zh")

    page.goto(f"{app_url}/shares")
    wait_for_app(page)
    row = page.locator("[class*=st-key-shares_item_]").filter(has_text=shared)
    expect(row.get_by_text(re.compile(r"4 views"))).to_be_visible()
    screenshot(page, "my-shares")
    row.get_by_role("button", name="Revoke").click()
    wait_for_app(page)
    expect(page.get_by_text("revoked").first).to_be_visible()

    phone.reload()
    wait_for_app(phone)
    expect(phone.get_by_text("This share link was revoked by its owner.")).to_be_visible()
    assert shared not in phone.locator("body").inner_text()
    screenshot(phone, "share-viewer-revoked")


def test_a_share_link_as_a_new_servers_first_request_shows_only_the_viewer(page: Page, fresh_app_url, e2e_dir):
    """A share link as a new process's first request shows the viewer alone, no page list."""
    store = Store(f"sqlite:///{e2e_dir / 'store.db'}")
    media = store.add_media("bob", data=image_bytes(), mime="image/png", prompt="firstRequestHeron")
    token, _ = shares.create_share(store, "bob", shares.image_snapshot(media, image_bytes()), "never")
    page.set_viewport_size(PHONE)
    page.goto(f"{fresh_app_url}/?{shares.QUERY_PARAM}={token}")
    expect(page.get_by_text("firstRequestHeron").first).to_be_visible(timeout=30_000)  # a new process warms up
    wait_for_app(page)
    expect(page.get_by_test_id("stImage")).to_have_count(1)
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    screenshot(page, "share-viewer-image-phone")
