"""After the browser tests (this file runs last), no API key is in the database, in data/ or in
the server log, including a key typed into the sidebar by a user."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, start_new_chat, wait_for_app

ROOT = Path(__file__).resolve().parents[2]


def files_containing(secret: str, paths: list[Path]) -> list[str]:
    needle = secret.encode()
    return [str(p) for p in paths if p.is_file() and needle in p.read_bytes()]


def test_typed_key_works_and_is_stored_nowhere(page: Page, app_url, sandbox, e2e_dir):
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

    keys = [typed_key, (e2e_dir / "key").read_text()]
    places = [*e2e_dir.glob("store.db*"), e2e_dir / "server.log", *(ROOT / "data").rglob("*")]
    for key in keys:
        assert not files_containing(key, places)
    assert typed_key not in page.locator("body").inner_text(), "shown masked only"
