"""A secrets file that does not parse stops the app in the browser: the reason, and nothing to
click (no page list, no login form), whatever URL is opened first."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.app import start_app_server, stop_app_server


@pytest.fixture
def broken_app_url(tmp_path) -> str:
    (tmp_path / "secrets.toml").write_text('[auth]\nusers_file = "users.yaml"\n[store\nurl = 1\n')
    url, process = start_app_server(tmp_path, "broken-server.log")
    yield url
    stop_app_server(process)


@pytest.mark.parametrize("path", ["", "chat"])
def test_a_broken_secrets_file_shows_why_and_nothing_else(page: Page, broken_app_url, path):
    page.goto(f"{broken_app_url}/{path}")
    expect(page.get_by_text("The app cannot start")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)
    expect(page.get_by_role("textbox", name="Password")).to_have_count(0)
