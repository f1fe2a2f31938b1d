"""Logging in with one click, in Chromium against `streamlit run`.

A click on "Log in" was lost (the form stayed, nothing logged) when it was aimed at widgets the
next run no longer drew.
"""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.helpers import wait_for_app
from tests.fixtures.app import PASSWORDS


def test_first_login_on_a_new_process_takes_one_click(page: Page, fresh_app_url):
    """A new process's first run is in Streamlit's legacy multipage mode (the `pages/` folder),
    where widgets get other ids than in every later run: the form of that run must not be the
    one a person clicks."""
    page.goto(fresh_app_url)
    expect(page.get_by_role("textbox", name="Username")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    page.get_by_role("textbox", name="Username").fill("bob")
    page.get_by_role("textbox", name="Password").fill(PASSWORDS["bob"])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Bob", timeout=30_000)
