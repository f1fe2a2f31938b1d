"""Logging in with one click, in Chromium against `streamlit run`.

A click on "Log in" was lost (the form stayed, nothing logged) when the script reran for a
reason other than the click while the click's run was on its way to the form, or when the click
was aimed at widgets the next run no longer drew. These tests pin both causes away.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect
from streamlit.proto.BackMsg_pb2 import BackMsg

from lib.accounts.auth import COOKIE_NAME
from tests.e2e.helpers import NEXT_FRAMES, login, wait_for_app, wait_until
from tests.fixtures.app import PASSWORDS

FRAMES_LOADED = """() => [...document.querySelectorAll('iframe')]
    .every((f) => { try { return f.contentDocument.readyState === 'complete'; } catch { return true; } })"""


def _count_run_requests(page: Page) -> list[str]:
    """Every request to run the script this page sends the server, as it is sent."""
    sent: list[str] = []

    def on_websocket(ws) -> None:
        def on_frame(payload) -> None:
            if isinstance(payload, bytes) and BackMsg.FromString(payload).WhichOneof("type") == "rerun_script":
                sent.append("rerun_script")

        ws.on("framesent", on_frame)

    page.on("websocket", on_websocket)
    return sent


def test_only_the_person_reruns_the_login_page(page: Page, app_url):
    """Opening the page and clicking "Log in" are the only runs the browser asks for: nothing on
    the login page (a cookie component reporting the browser's cookies, say) asks for another,
    whose run would stop the click's. The signed-in page that follows asks for none either."""
    runs = _count_run_requests(page)
    login(page, app_url, "alice")  # also waits for the login cookie, written after the run
    # A component reports when its frame has loaded: wait for every frame, then for the page to
    # have handled what they sent.
    page.wait_for_function(FRAMES_LOADED)
    page.evaluate(NEXT_FRAMES)
    wait_for_app(page)
    assert runs == ["rerun_script", "rerun_script"]


def test_first_login_on_a_new_process_takes_one_click(page: Page, fresh_app_url):
    """A new process's first run must give the form's widgets the ids of every later run (in
    Streamlit's legacy multipage mode, which a `pages/` folder turns on, they differed)."""
    page.goto(fresh_app_url)
    expect(page.get_by_role("textbox", name="Username")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    page.get_by_role("textbox", name="Username").fill("bob")
    page.get_by_role("textbox", name="Password").fill(PASSWORDS["bob"])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Bob", timeout=30_000)


def test_logout_deletes_the_login_cookie(page: Page, app_url):
    login(page, app_url, "alice")
    page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("textbox", name="Username")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    wait_until(lambda: not any(c["name"] == COOKIE_NAME for c in page.context.cookies()), 10, "the cookie's deletion")
