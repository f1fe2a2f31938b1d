"""A key typed into the sidebar works and is shown masked only. That it is written nowhere (the
database, data/, the server log) is checked once every browser test has ended, by the e2e_dir
fixture, whatever order the files run in."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, start_new_chat, wait_for_app


def test_typed_key_works_and_is_shown_masked(page: Page, app_url, sandbox):
    typed_key = sandbox.control.add_key(credits=50)
    login(page, app_url, "root")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Connection", exact=True).click()
    sidebar.get_by_text("Custom base URL").click()
    sidebar.get_by_role("textbox", name="Base URL").fill(sandbox.base_url)
    sidebar.get_by_role("textbox", name="Base URL").press("Enter")
    sidebar.get_by_role("textbox", name="API key").fill(typed_key)
    sidebar.get_by_role("textbox", name="API key").press("Enter")
    wait_for_app(page)
    expect(sidebar).to_contain_text(typed_key[:3] + "..." + typed_key[-4:])
    sidebar.get_by_role("button", name="Test connection").click()
    expect(sidebar.get_by_text("Connected")).to_be_visible(timeout=15_000)
    start_new_chat(page)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill("a call with my own key")
    box.press("Enter")
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2, timeout=30_000)
    wait_for_app(page)
    assert sandbox.control.key_info(typed_key)["spent"] == 1
    assert typed_key not in page.locator("body").inner_text(), "shown masked only"
