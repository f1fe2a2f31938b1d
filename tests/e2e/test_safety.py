"""Hostile users against a real `streamlit run` in login mode, in Chromium: the app stays up for
everyone else while one user's input is being handled."""

from __future__ import annotations

import re
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from lib.accounts.users import list_users
from lib.store import Store
from tests.e2e.helpers import NEXT_FRAMES, choose, login, open_expander, screenshot, wait_for_app, wait_until
from tests.e2e.test_shares import DESKTOP, PHONE, chat, open_signed_out, share_open_conversation
from tests.e2e.test_workbench import add_check, open_workbench, paste_cases
from tests.fixtures.app import PASSWORDS, start_app_server, stop_app_server, with_preset_key, write_login_app

# Exponential for a backtracking engine on any reply without "QQQ": Python's `re` held the GIL
# on it until the process was killed.
HOSTILE_PATTERN = "((?s:.)|(?s:.))*QQQ"
GRID_HEADER_PX, GRID_ROW_PX = 35, 35  # st.data_editor's header and row heights


class HealthWatch:
    """Asks /_stcore/health again and again in a thread, keeping the slowest answer's time (or
    the error when one did not come within a second)."""

    def __init__(self, app_url: str):
        self.url = f"{app_url}/_stcore/health"
        self.slowest = 0.0
        self.failures: list[str] = []
        self.answers = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> HealthWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        with httpx.Client(timeout=1.0) as client:
            while not self._done.is_set():
                started = time.monotonic()
                try:
                    client.get(self.url).raise_for_status()
                    self.answers += 1
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                self.slowest = max(self.slowest, time.monotonic() - started)
                self._done.wait(0.1)


def test_hostile_regex_check_does_not_hold_the_server(page: Page, preset_app):
    """In login mode with the admin's preset key (a server of this module's own, so no other
    file's Workbench draft is in the way)."""
    app_url, _ = preset_app
    open_workbench(page, app_url)
    paste_cases(page, "topic\taudience\ntides\tkids\nrain\tadults")
    open_expander(page, "Checks on every reply")
    add_check(page, HOSTILE_PATTERN)
    choose(
        page, page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Check", exact=True)).last, "matches regex"
    )

    with HealthWatch(app_url) as health:
        page.get_by_role("button", name="Run", exact=True).click()
        expect(page.get_by_text(re.compile(r"Run #\d+ · prompt v\d+"))).to_be_visible(timeout=60_000)
        expect(page.get_by_text(f"matches regex {HOSTILE_PATTERN}").first).to_be_visible()
    assert health.answers and not health.failures, health.failures
    assert health.slowest < 1.0, f"the health check took {health.slowest:.2f} s"


@pytest.fixture(scope="module")
def proxied_app(tmp_path_factory, sandbox) -> tuple[str, Path]:
    """The app as behind nginx: it trusts X-Forwarded-For, which each test's browser sets itself.
    Its URL and its log."""
    folder = tmp_path_factory.mktemp("proxied")
    write_login_app(folder, sandbox, f"sqlite:///{folder / 'store.db'}", trust_x_forwarded_for=True)
    url, process = start_app_server(folder, "server.log")
    yield url, folder / "server.log"
    stop_app_server(process)


def browser_from(browser: Browser, address: str) -> Page:
    """A browser of its own (cookies included) whose requests the "proxy" says come from `address`."""
    return browser.new_context(extra_http_headers={"X-Forwarded-For": address}, viewport=DESKTOP).new_page()


def submit_login(page: Page, log: Path, user: str, password: str) -> None:
    """Submit the form and wait until the server has logged the attempt (a wrong password's
    answer looks the same each time, so the page cannot tell one try from the next)."""
    answered = re.compile(rf"login (ok|failed|locked out) user={user!r}")
    attempts = len(answered.findall(log.read_text()))
    page.get_by_role("textbox", name="Username").fill(user)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    wait_until(lambda: len(answered.findall(log.read_text())) > attempts, 30, "the login's answer in the log")
    wait_for_app(page)


def test_root_signs_in_after_an_outsiders_wrong_passwords(browser: Browser, proxied_app):
    url, log = proxied_app
    outsider = browser_from(browser, "203.0.113.66")
    outsider.goto(url)
    for guess in range(6):
        submit_login(outsider, log, "root", f"guess-{guess}")
    locked = outsider.get_by_text(re.compile("Too many attempts, try again in"))
    expect(locked).to_be_visible()
    submit_login(outsider, log, "root", PASSWORDS["root"])  # the outsider's address stays locked
    expect(locked).to_be_visible()
    assert "user='root' client=203.0.113.66" in log.read_text()
    screenshot(outsider, "login-locked-outsider-en-1400")

    root = browser_from(browser, "198.51.100.7")
    root.goto(url)
    submit_login(root, log, "root", PASSWORDS["root"])
    expect(root.get_by_test_id("stSidebar")).to_contain_text("Root", timeout=30_000)
    screenshot(root, "login-root-after-outsider-en-1400")
    assert "login ok user='root' client=198.51.100.7" in log.read_text()


def test_images_in_shared_markdown_load_nothing_from_their_host(page: Page, browser: Browser, preset_app, canary):
    """A Markdown image is a link: in the chat, the share view and presentation mode, a viewer's
    browser never asks the host the sharer chose for anything (on the admin's preset key)."""
    app_url, _ = preset_app
    question = f"sharedPixel {uuid.uuid4().hex[:6]} ![tracker]({canary.url}/pixel.png) what is this?"
    login(page, app_url, "carol")  # alice's quota is the next test's
    chat(page, question)
    link = share_open_conversation(page)
    viewers = [open_signed_out(browser, link, DESKTOP), open_signed_out(browser, link + "&present=1", PHONE)]
    for shown in (page, *viewers):
        message = shown.get_by_test_id("stChatMessage").first
        expect(message).to_contain_text("tracker")
        expect(message.get_by_role("link", name="tracker")).to_have_attribute("href", f"{canary.url}/pixel.png")
        expect(message.locator("img")).to_have_count(0)
    screenshot(viewers[1], "share-image-as-link-390")
    assert canary.requests == []
    for viewer in viewers:
        viewer.context.close()


def test_nginx_keeps_streamlits_metrics_from_visitors(nginx_url, replica_urls):
    with httpx.Client(timeout=10) as client:
        assert client.get(f"{nginx_url}/_stcore/health").status_code == 200
        assert client.get(f"{replica_urls[0]}/_stcore/metrics").status_code == 200  # the operator's, direct
        for path in ("/_stcore/metrics", "/_stcore/metrics?x=1", "/_stcore/metrics/"):
            assert client.get(f"{nginx_url}{path}").status_code == 404


@pytest.fixture(scope="module")
def preset_app(tmp_path_factory, sandbox) -> tuple[str, Path]:
    """The app with the admin's preset key (a fresh sandbox key); its URL and its database."""
    folder = tmp_path_factory.mktemp("preset")
    with_preset_key(write_login_app(folder, sandbox, f"sqlite:///{folder / 'store.db'}"), sandbox)
    url, process = start_app_server(folder, "server.log")
    yield url, folder / "store.db"
    stop_app_server(process)


def test_a_users_quota_stops_their_calls_with_a_clear_message(page: Page, preset_app, sandbox):
    url, database = preset_app
    Store(f"sqlite:///{database}").admin_set_quota("alice", daily=1.2, monthly=0)
    page.set_viewport_size(DESKTOP)
    login(page, url, "alice")  # the admin's preset connection is the first one
    expect(page.get_by_text("1.2 of 1.2 credits left today")).to_be_visible()
    chat(page, "first question on the admin's key")
    # The new conversation runs the whole page once more (sidebar included): typing before it
    # has drawn would be lost with the old chat input.
    expect(page.get_by_text("0.2 of 1.2 credits left today")).to_be_visible()
    wait_for_app(page)
    before = sandbox.control.stats()["endpoints"].get("chat", 0)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill("second question")
    box.press("Enter")
    expect(page.get_by_text(re.compile("would pass your admin's quota for the preset connection"))).to_be_visible(
        timeout=30_000
    )
    wait_for_app(page)
    assert sandbox.control.stats()["endpoints"].get("chat", 0) == before
    page.reload()
    wait_for_app(page)
    expect(page.get_by_text(re.compile("83% of today's quota"))).to_be_visible()
    screenshot(page, "quota-refused-en-1400")
    page.set_viewport_size(PHONE)
    wait_for_app(page)
    screenshot(page, "quota-refused-en-390")
    page.set_viewport_size(DESKTOP)
    page.get_by_test_id("stSidebar").get_by_text("简体中文", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_text(re.compile("今天剩余 0.2 / 1.2 积分"))).to_be_visible()
    screenshot(page, "quota-refused-zh-1400")
    page.set_viewport_size(PHONE)
    page.reload()  # as a phone opens it: the sidebar folded
    wait_for_app(page)
    screenshot(page, "quota-refused-zh-390")
    page.set_viewport_size(DESKTOP)
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    wait_for_app(page)


def test_the_admin_sets_a_quota_on_the_usage_page_and_it_holds(browser: Browser, preset_app, sandbox):
    """root types dave's daily limit into the quota editor and saves: it is stored, dave's
    sidebar shows it, and his first call (1 credit, past 0.5) is refused unsent."""
    url, database = preset_app
    rows = ["*", *(user["username"] for user in list_users(database.parent / "users.yaml"))]
    admin = browser.new_page(viewport=DESKTOP)
    login(admin, url, "root", "usage")
    open_expander(admin, "Quotas on the preset connection")
    grid = (
        admin.get_by_test_id("stExpander")
        .filter(has_text="Quotas on the preset connection")
        .get_by_test_id("stDataFrame")
    )
    expect(grid).to_be_visible()
    # The whole grid in view: a cell's editor is an input over the canvas, and any scroll (as
    # Playwright makes to reach an editor below the fold) closes it, losing what was typed.
    grid.evaluate("g => g.scrollIntoView({block: 'center', behavior: 'instant'})")
    admin.evaluate(NEXT_FRAMES)
    # The grid is drawn on a canvas: click the first row's first cell, then go by keyboard.
    grid.click(position={"x": 20, "y": GRID_HEADER_PX + GRID_ROW_PX // 2})
    admin.keyboard.press("ArrowRight")  # the daily limit
    for _ in range(rows.index("dave")):
        admin.keyboard.press("ArrowDown")
    admin.keyboard.press("Enter")  # opens the cell's editor, an input over the canvas
    editor = admin.locator("input.gdg-input, textarea.gdg-input")
    editor.fill("0.5")
    editor.press("Enter")
    expect(editor).to_have_count(0)
    expect(admin.get_by_text("1 user's limits changed, not saved yet: Save applies them.")).to_be_visible()
    admin.get_by_role("button", name="Save quotas").click()
    expect(admin.get_by_text("Quotas saved.")).to_be_visible()
    assert Store(f"sqlite:///{database}").get_quota("dave") == {"daily": 0.5, "monthly": 0.0}
    screenshot(admin, "quota-editor-en-1400")
    admin.set_viewport_size(PHONE)
    wait_for_app(admin)
    screenshot(admin, "quota-editor-en-390")
    admin.set_viewport_size(DESKTOP)  # the language buttons are in the sidebar, folded on a phone
    admin.get_by_test_id("stSidebar").get_by_text("简体中文", exact=True).click()
    wait_for_app(admin)
    admin.reload()  # the page anew in Chinese: nothing of the English run left to animate away
    expect(admin.get_by_role("heading", name="用量")).to_be_visible()
    wait_for_app(admin)
    open_expander(admin, "预设连接的额度")
    screenshot(admin, "quota-editor-zh-1400")
    admin.set_viewport_size(PHONE)
    wait_for_app(admin)
    screenshot(admin, "quota-editor-zh-390")
    admin.set_viewport_size(DESKTOP)
    admin.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    wait_for_app(admin)
    admin.context.close()

    dave = browser.new_page(viewport=DESKTOP)
    login(dave, url, "dave")
    expect(dave.get_by_text("0.5 of 0.5 credits left today")).to_be_visible()
    before = sandbox.control.stats()["endpoints"].get("chat", 0)
    box = dave.get_by_test_id("stChatInputTextArea")
    box.fill("a question past my quota")
    box.press("Enter")
    expect(dave.get_by_text(re.compile("would pass your admin's quota for the preset connection"))).to_be_visible(
        timeout=30_000
    )
    assert sandbox.control.stats()["endpoints"].get("chat", 0) == before, "the call was sent"
    dave.context.close()


def test_no_page_makes_the_browser_fetch_from_another_host(page: Page, preset_app):
    """A visitor's browser asks only this app: every page, signed out and in. (The favicon, a
    Material icon, was a link to fonts.gstatic.com on every page.) data: and blob: URLs have no host."""
    url, _ = preset_app
    elsewhere = []
    page.on("request", lambda request: elsewhere.append(request.url) if urlsplit(request.url).hostname else None)
    local = urlsplit(url).hostname
    page.goto(url)
    wait_for_app(page)
    login(page, url, "carol")
    for path in ("images", "video", "upload", "prompts", "workbench", "leaderboard", "usage", "shares", ""):
        page.goto(f"{url}/{path}")
        wait_for_app(page)
    assert [address for address in elsewhere if urlsplit(address).hostname != local] == []
