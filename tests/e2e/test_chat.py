"""Chat in real Chromium against `streamlit run` and the sandbox: login, streaming, reload, cut."""

from __future__ import annotations

import re
import subprocess
import sys

from playwright.sync_api import Page, expect

from lib.accounts.auth import COOKIE_NAME
from tests.e2e.helpers import login, screenshot, start_new_chat, wait_for_app, wait_for_new_title


def send(page: Page, text: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")


def test_login_chat_stream_and_reload_keeps_everything(page: Page, app_url, sandbox_speed):
    sandbox_speed(token_rate=40)
    login(page, app_url, "alice")
    start_new_chat(page)
    send(page, "Hello from Chromium, give me a list")
    reply = page.get_by_test_id("stChatMessage").nth(1)
    expect(reply).to_be_visible(timeout=15_000)
    first = reply.inner_text()
    # The reply grows while it streams: more words come after the first ones shown.
    page.wait_for_function("([el, n]) => el.innerText.length > n", arg=[reply.element_handle(), len(first)])
    wait_for_new_title(page, "Hello from Chromium, give me a list")
    expect(page.get_by_text(re.compile(r"credits: \d+"))).to_be_visible()
    screenshot(page, "chat-reply")

    page.reload()
    wait_for_app(page)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Alice")
    expect(page.get_by_test_id("stChatMessage").first).to_contain_text("Hello from Chromium")
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2)


def test_refresh_on_a_page_keeps_login_and_page(page: Page, app_url):
    login(page, app_url, "alice", path="usage")
    assert page.url.rstrip("/").endswith("/usage")
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("textbox", name="Password")).to_have_count(0)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Alice")
    assert page.url.rstrip("/").endswith("/usage")
    expect(page.get_by_test_id("stChatInputTextArea")).to_have_count(0)


def test_cut_stream_keeps_partial_reply_marked(page: Page, app_url, sandbox_speed):
    sandbox_speed(token_rate=200)
    login(page, app_url, "alice")
    start_new_chat(page)
    send(page, "tell me a long story [cut]")
    expect(page.get_by_text("This reply was cut short")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2)
    expect(page.get_by_role("button", name="Retry")).to_be_visible()
    screenshot(page, "chat-cut")


def test_html_in_a_reply_is_shown_as_text(page: Page, app_url):
    login(page, app_url, "alice")
    start_new_chat(page)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    send(page, "echo <img src=x onerror=alert(7)> please")
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2, timeout=30_000)
    wait_for_app(page)
    assert not dialogs
    assert page.locator("[data-testid=stChatMessage] img[src=x]").count() == 0


def signed_out(page: Page) -> None:
    """After a reload: the login form, and no sidebar behind it."""
    page.reload()
    expect(page.get_by_role("textbox", name="Username")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)


def test_logout_survives_a_refresh_even_with_the_old_cookie(page: Page, app_url):
    login(page, app_url, "alice")
    cookie_before_logout = next(c for c in page.context.cookies() if c["name"] == COOKIE_NAME)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("textbox", name="Username")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    signed_out(page)
    # The server refuses that cookie, whether or not the browser got round to deleting it: a
    # copied cookie, put back, still signs no one in.
    page.context.add_cookies([cookie_before_logout])
    signed_out(page)


def test_removing_a_user_ends_their_login_cookie(page: Page, app_url, e2e_dir):
    login(page, app_url, "carol")
    removed = subprocess.run(
        [
            sys.executable,
            "-m",
            "lib.accounts",
            "--file",
            str(e2e_dir / "users.yaml"),
            "--store",
            f"sqlite:///{e2e_dir / 'store.db'}",
            "remove",
            "carol",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert removed.returncode == 0, removed.stderr
    assert any(c["name"] == COOKIE_NAME for c in page.context.cookies()), "the browser still has it"
    signed_out(page)
