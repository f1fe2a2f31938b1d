"""The first request a new server process gets may be a deep link (a bookmark, a reload after a
restart). The pages live in app_pages/, not pages/, which would start Streamlit in its legacy
multipage mode and run that page without app.py: no login. The login form must show instead,
and after login the page asked for."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.helpers import wait_for_app
from tests.fixtures.app import PASSWORDS


def test_deep_link_as_first_request_asks_for_login_then_opens_that_page(page: Page, fresh_app_url):
    page.goto(f"{fresh_app_url}/video")
    expect(page.get_by_role("textbox", name="Username")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_text("Sora video")).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    page.get_by_role("textbox", name="Username").fill("bob")
    page.get_by_role("textbox", name="Password").fill(PASSWORDS["bob"])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Sora video").first).to_be_visible(timeout=30_000)
    wait_for_app(page)  # mid-run, the heading of the run before may still stand beside the new one
    expect(page.get_by_text("Sora video")).to_have_count(1)
    expect(page.get_by_test_id("stSidebarNav")).not_to_contain_text("app")
    assert page.url.rstrip("/").endswith("/video")
