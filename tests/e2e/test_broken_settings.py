"""A secrets file that does not parse stops the app in the browser: the reason, and nothing to
click (no page list, no login form), whatever URL is opened first."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import screenshot
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


@pytest.fixture
def bad_values_app_url(tmp_path) -> str:
    (tmp_path / "secrets.toml").write_text(
        '[api]\ntimeout = "soon"\n[sandbox]\nport = 70000\n[security]\nallow_private_networks = ["10.0.0.300/8"]\n'
        "alow_custom_urls = true\n"
    )
    url, process = start_app_server(tmp_path, "bad-values-server.log")
    yield url
    stop_app_server(process)


@pytest.mark.parametrize(
    "locale, heading, line",
    [
        ("en-US", "The app cannot start: 4 settings", "[sandbox] port: must be at most 65535"),
        ("zh-CN", "应用无法启动", "[sandbox] port：必须不大于 65535"),
    ],
)
@pytest.mark.parametrize(
    "viewport", [{"width": 1400, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_bad_values_are_each_named_in_the_visitors_language(
    browser, bad_values_app_url, locale, heading, line, viewport
):
    page = browser.new_context(viewport=viewport, locale=locale).new_page()
    page.goto(bad_values_app_url)
    expect(page.get_by_text(heading)).to_be_visible(timeout=30_000)
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_contain_text(line)
    expect(error).to_contain_text("[security] alow_custom_urls")
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)
    screenshot(page, f"bad_settings_{locale}_{viewport['width']}")
    page.context.close()
