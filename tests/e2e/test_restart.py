"""A restart of the app (issue 31, items 6 and 8), single-user on its embedded sandbox: the links
the sandbox gave out still open, and the first visit to /chat shows neither "Page not found" nor
page-file names in the sidebar, not even for a moment."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.helpers import wait_for_app
from tests.fixtures.app import _free_port, _write_secrets, start_app_server, stop_app_server
from tests.imagefiles import image_bytes

PAGE_TITLES = {"Chat", "Images", "Video", "Upload", "Prompts", "Workbench", "Leaderboard", "Usage", "My shares"}
# Installed before the page's own scripts: notes every sidebar link's text and any "Page not
# found", as they are drawn, so one shown briefly and replaced is caught too.
WATCH = """
window.seen = new Set();
new MutationObserver(() => {
  document.querySelectorAll("[data-testid=stSidebarNavLink] span[label]").forEach(s => window.seen.add(s.textContent.trim()));
  if (document.body && document.body.textContent.includes("Page not found")) window.seen.add("Page not found");
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def test_sandbox_links_and_the_page_list_survive_a_restart(page: Page, tmp_path):
    _write_secrets(
        tmp_path / "secrets.toml",
        {
            "sandbox": {"port": _free_port(), "files_dir": str(tmp_path / "sandbox-files")},
            "store": {"url": f"sqlite:///{tmp_path / 'store.db'}"},
        },
    )
    png = image_bytes(size=(64, 48), color=(200, 90, 30))
    (tmp_path / "photo.png").write_bytes(png)
    url, process = start_app_server(tmp_path, "before.log")
    try:
        page.goto(f"{url}/upload")
        wait_for_app(page)
        page.locator("input[type=file]").set_input_files(tmp_path / "photo.png")
        page.get_by_role("button", name="Upload the chosen files").click()
        card = page.locator("[class*='st-key-upload_card_']").filter(has_text="photo.png")
        link = card.get_by_test_id("stCode").inner_text().strip()
    finally:
        stop_app_server(process)

    url, process = start_app_server(tmp_path, "after.log")
    try:
        page.add_init_script(WATCH)
        page.goto(f"{url}/chat")
        expect(page.get_by_test_id("stChatInput")).to_be_visible(timeout=30_000)
        wait_for_app(page)
        expect(page.get_by_test_id("stSidebarNav").get_by_role("link")).to_have_count(len(PAGE_TITLES))
        assert set(page.evaluate("[...window.seen]")) == PAGE_TITLES
        assert page.request.get(link).body() == png, "the upload's link still opens"
    finally:
        stop_app_server(process)
