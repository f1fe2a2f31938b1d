"""Browser steps shared by the Playwright tests."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from lib.accounts.auth import COOKIE_NAME
from lib.chat import title_from
from tests.fixtures.app import PASSWORDS

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
# A reply is complete once its meta line shows what it cost ("credits: 1"); one of the sandbox's
# tips says "credits" too, so the bare word matches while that reply still streams.
REPLY_DONE = re.compile(r"credits: \d")


# The app root's script state while a run is asked for or going on (the status widget shows
# only once a run has lasted a moment; the attribute follows every run).
RUNNING_STATES = re.compile(r"^(running|rerunRequested|stopRequested)$")


def wait_for_app(page: Page) -> None:
    """Streamlit has finished its run: the status widget and the app root say nothing runs (a
    run's leftover elements, such as a streamed reply the run drew again, go when it ends)."""
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)
    expect(page.get_by_test_id("stApp")).not_to_have_attribute("data-test-script-state", RUNNING_STATES, timeout=30_000)


def login(page: Page, app_url: str, user: str = "alice", path: str = "") -> None:
    page.goto(f"{app_url}/{path}")
    expect(page.get_by_role("textbox", name="Username")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    _submit_login(page, user)
    expect(page.get_by_test_id("stSidebar")).to_contain_text(user.title(), timeout=30_000)
    wait_for_app(page)
    wait_for_login_cookie(page)


def wait_for_login_cookie(page: Page) -> None:
    """The login cookie is written by a script in the page just after the run; wait for it so
    a test's reload behaves like a person's, who never reloads within milliseconds."""
    wait_until(lambda: any(c["name"] == COOKIE_NAME for c in page.context.cookies()), 10, "the login cookie")


def wait_until(condition: Callable[[], object], seconds: float = 30, what: str = "the condition") -> None:
    """Wait for something the page does not show (a cookie, the clipboard, what is stored, the
    sandbox's counts), asking every 100 ms."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} never came"
        time.sleep(0.1)


def _submit_login(page: Page, user: str) -> None:
    page.get_by_role("textbox", name="Username").fill(user)
    page.get_by_role("textbox", name="Password").fill(PASSWORDS[user])
    page.get_by_role("button", name="Log in").click()


def start_new_chat(page: Page) -> None:
    """Click "New chat" and wait until the empty chat shows: typing earlier would land in the
    conversation that was open."""
    page.get_by_role("button", name="New chat").click()
    expect(page.get_by_text("Ask anything")).to_be_visible()
    wait_for_app(page)


def wait_for_new_title(page: Page, message: str) -> None:
    """A new conversation's first reply (to `message`) runs the whole page once more, to list it
    in the sidebar by its title: wait for that run. Meanwhile a click lands on what it draws
    again, and the reply shows twice (the streamed one fades out as the run ends)."""
    # The title's start: the sidebar draws titles as Markdown (and off screen on a phone).
    title = page.get_by_test_id("stSidebar").get_by_role("button", name=title_from(message)[:20])
    expect(title).to_be_attached(timeout=30_000)
    wait_for_app(page)


def wait_for_uploaded_chips(page: Page, count: int) -> None:
    """The chat input's files, each uploaded to the app (its chip's spinner gone): a message
    sent while one still uploads goes without it."""
    chat_input = page.get_by_test_id("stChatInput")
    expect(chat_input.get_by_test_id("stFileChip")).to_have_count(count)
    expect(chat_input.get_by_test_id("stFileChipIconSpinner")).to_have_count(0)


def open_expander(page: Page, title: str) -> None:
    """Open the expander whose title starts with `title` (a click on an open one would close it)
    and wait for its half-second opening animation to end: meanwhile it clips and scrolls its
    content, and any scroll closes a list opened inside it."""
    wait_for_app(page)  # a run still drawing the page may redraw the expander mid-animation
    expander = page.get_by_test_id("stExpander").filter(has=page.locator("summary", has_text=title)).first
    details = expander.locator(":scope > details")  # not those of expanders inside it
    if details.get_attribute("open") is None:
        details.locator(":scope > summary").click()
    expect(details).to_have_attribute("open", "")
    details.evaluate(ANIMATIONS_ENDED)
    expect(details).to_have_attribute("open", "")


# Resolves once no animation in the element runs. An animation cancelled midway (its element
# drawn again) rejects its `finished`: settled, and whatever runs then is waited for in turn.
ANIMATIONS_ENDED = """async (element) => {
    for (;;) {
        const running = element.getAnimations({subtree: true}).filter(a => a.playState === "running" || a.pending);
        if (!running.length) return;
        await Promise.allSettled(running.map(a => a.finished));
    }
}"""


def choose(page: Page, box: Locator, option: str) -> None:
    """Pick `option` in the selectbox `box`: typing filters a long list (whose options are drawn
    only as they scroll into view), and the option is clicked: Enter on a filtered list picks
    nothing. Waits until the box shows the choice and the run it started has ended."""
    box.get_by_role("combobox").click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).click()
    expect(box.get_by_role("combobox")).to_have_value(option)
    wait_for_app(page)


def switch_language(page: Page, name: str) -> None:
    page.get_by_test_id("stSidebar").get_by_text(name, exact=True).click()
    wait_for_app(page)


def switch_language_on_phone(page: Page, name: str) -> None:
    """At phone width the sidebar is folded: open it, switch, fold it again."""
    page.get_by_test_id("stExpandSidebarButton").click()
    switch_language(page, name)
    page.get_by_test_id("stSidebarCollapseButton").get_by_role("button").click()
    wait_for_app(page)


def exported_json(page: Page) -> bytes:
    """The open conversation's JSON export, as the Export menu downloads it."""
    page.get_by_role("button", name="Export").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="JSON (.json, can be imported)").click()
    page.keyboard.press("Escape")
    return info.value.path().read_bytes()


def import_conversation(page: Page, name: str, data: bytes) -> None:
    """A conversation file imported from the Import dialog."""
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": name, "mimeType": "application/json", "buffer": data}]
    )
    page.get_by_role("button", name="Import this conversation").click()


# Resolves after two animation frames: whatever a resize set off has been laid out and painted.
NEXT_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
# The sidebar, if any, has not moved for 20 frames and runs no transition: a width change folds
# or unfolds it a moment later, so one still frame is not enough.
SIDEBAR_SETTLED = """() => new Promise((done) => {
    const bar = document.querySelector('[data-testid="stSidebar"]');
    if (!bar) return done(true);
    let x = bar.getBoundingClientRect().x, still = 0;
    const look = () => {
        const now = bar.getBoundingClientRect().x;
        still = now === x && bar.getAnimations().length === 0 ? still + 1 : 0;
        x = now;
        if (still >= 20) return done(true);
        requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
})"""


def screenshot(page: Page, name: str) -> Path:
    """The whole page: Streamlit scrolls inside its main block, so the viewport is grown to fit."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    viewport = page.viewport_size
    height = page.evaluate(
        "Math.max(...['stMain', 'stAppScrollToBottomContainer'].map(id =>"
        "  document.querySelector(`[data-testid=${id}]`)?.scrollHeight || 0))"
    )
    page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], min(height, 4000))})
    page.evaluate(NEXT_FRAMES)  # laid out again at the new size
    page.wait_for_function(SIDEBAR_SETTLED)  # not caught sliding in or out (a width change folds it)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(viewport)
    return path
