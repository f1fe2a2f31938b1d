"""Chat's rough edges (issue 13) in real Chromium: stop, a refused file's cancel, failed turns,
length cut-offs, following the reply while it streams, Keep this answer, Copy; and screenshots."""

from __future__ import annotations

import json
import re
import uuid

from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    login,
    screenshot,
    start_new_chat,
    switch_language,
    switch_language_on_phone,
    wait_for_app,
    wait_for_new_title,
    wait_for_uploaded_chips,
    wait_until,
)
from tests.e2e.test_chat import send
from tests.e2e.test_chat_features import e2e_store, last_messages

USER = "bob"


def stop_button(page: Page):
    """The chat's own Stop, not the one in Streamlit's status widget."""
    return page.locator(".st-key-chat_stop").get_by_role("button", name="Stop")


def new_chat(page: Page, app_url: str) -> None:
    login(page, app_url, USER)
    start_new_chat(page)


def test_stop_shows_the_kept_text_at_once(page: Page, app_url, e2e_dir, sandbox_speed):
    # Slow tokens: the stopped run is between two of them when the next run starts.
    sandbox_speed(token_rate=2)
    new_chat(page, app_url)
    send(page, f"Stop me {uuid.uuid4().hex[:6]} please")
    reply = page.get_by_test_id("stChatMessage").nth(1)
    expect(reply).to_contain_text("You said", timeout=15_000)
    stop_button(page).click()
    expect(reply).to_contain_text("Stopped: the part that arrived is kept.", timeout=15_000)
    expect(reply).to_contain_text("You said")
    expect(reply.get_by_role("button", name="Regenerate")).to_be_visible()
    expect(reply.get_by_role("button", name="Continue")).to_be_visible()
    expect(page.get_by_role("button", name="Retry")).to_have_count(0)
    wait_for_app(page)
    kept = last_messages(e2e_dir, 1)[0]
    assert kept.meta.get("stopped") and kept.meta.get("finish_reason") is None
    assert kept.content.startswith("You said") and reply.inner_text().count("You said") == 1
    call = chat_calls(e2e_dir).iloc[-1]
    assert call["error_kind"] == "stopped" and call["completion_tokens"] == kept.meta["tokens"] > 0
    # Billed as the provider bills a call it started answering (issue 31), and shown so.
    assert call["credits"] == kept.meta["credits"] == 1
    expect(reply).to_contain_text("credits: 1")


def chat_calls(e2e_dir):
    """The ledger's chat rows of the test user, oldest first."""
    frame = e2e_store(e2e_dir).usage_ledger(USER).calls().iloc[::-1]
    return frame[frame["endpoint"] == "chat"]


def test_stop_cancels_a_slow_call_and_records_it_as_stopped(page: Page, app_url, e2e_dir, sandbox, sandbox_speed):
    sandbox_speed(hang_seconds=6)
    new_chat(page, app_url)
    calls_before = len(chat_calls(e2e_dir))
    hangs_before = sandbox.control.stats()["hangs_answered"]
    send(page, f"Slow one {uuid.uuid4().hex[:6]} [timeout]")
    expect(page.get_by_text("Waiting for the model's first words")).to_be_visible(timeout=15_000)
    stop_button(page).click()
    expect(page.get_by_text("Waiting for the model's first words")).to_have_count(0, timeout=5_000)
    wait_for_app(page)
    # Past the moment the server answers 504 to the stopped request: nothing more is recorded.
    wait_until(lambda: sandbox.control.stats()["hangs_answered"] > hangs_before, 20, "the server's 504")
    calls = chat_calls(e2e_dir).iloc[calls_before:]
    assert list(calls["error_kind"]) == ["stopped"] and calls.iloc[0]["latency_ms"] < 5_000
    expect(page.get_by_test_id("stChatMessage")).to_have_count(1)
    expect(page.get_by_role("button", name="Retry")).to_be_visible()


def test_cancel_after_a_refused_file_puts_the_text_back(page: Page, app_url):
    new_chat(page, app_url)
    page.get_by_test_id("stChatInput").locator("input[type=file]").set_input_files(
        files=[{"name": "fake.png", "mimeType": "image/png", "buffer": b"just some text, not a picture\n"}]
    )
    wait_for_uploaded_chips(page, 1)
    send(page, "And this one?")
    expect(page.get_by_text("fake.png")).to_be_visible(timeout=15_000)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_test_id("stChatInputTextArea")).to_have_value("And this one?", timeout=15_000)
    wait_for_app(page)
    expect(page.get_by_test_id("stChatInputTextArea")).to_have_value("And this one?")
    expect(page.get_by_test_id("stChatMessage")).to_have_count(0)


def sent_messages(sandbox, marker: str) -> list[dict]:
    """The messages of the last chat request whose prompt holds `marker`."""
    return next(
        r["body"]["messages"]
        for r in reversed(sandbox.control.recent_requests(30))
        if r["path"].endswith("/chat/completions") and marker in json.dumps(r["body"])
    )


def test_failed_turns_keep_their_errors_and_stay_out_of_the_context(page: Page, app_url, sandbox, sandbox_speed):
    sandbox_speed(hang_seconds=1)
    new_chat(page, app_url)
    tag = uuid.uuid4().hex[:6]
    errors = {"[500]": "server error", "[429]": "Too many requests", "[timeout]": "did not answer in time"}
    for count, (marker, explained) in enumerate(errors.items(), start=1):
        send(page, f"{tag} fails {marker}")
        expect(page.get_by_test_id("stAlertContentError")).to_have_count(count, timeout=15_000)
        expect(page.get_by_test_id("stAlertContentError").last).to_contain_text(explained)
        wait_for_app(page)
    expect(page.get_by_role("button", name="Retry")).to_have_count(1)
    send(page, f"{tag} works")
    expect(page.get_by_text("credits: 1")).to_be_visible(timeout=15_000)
    wait_for_app(page)
    assert [m["content"] for m in sent_messages(sandbox, f"{tag} works")] == [f"{tag} works"]

    page.reload()
    wait_for_app(page)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(3)
    expect(page.get_by_test_id("stChatMessage")).to_have_count(8)


def set_max_tokens(page: Page, limit: int) -> None:
    page.get_by_role("button", name="Settings").click()
    page.get_by_text("max_tokens", exact=True).click()
    wait_for_app(page)
    page.get_by_role("spinbutton", name="max_tokens").fill(str(limit))
    page.get_by_role("spinbutton", name="max_tokens").press("Enter")
    wait_for_app(page)
    page.keyboard.press("Escape")


def test_a_reply_cut_by_max_tokens_says_so_and_continues(page: Page, app_url, sandbox):
    new_chat(page, app_url)
    set_max_tokens(page, 20)
    tag = uuid.uuid4().hex[:6]
    send(page, f"{tag} tell me a long story about the sea and its ships")
    note = page.get_by_text("The reply reached the max_tokens limit")
    expect(note).to_be_visible(timeout=15_000)
    wait_for_app(page)
    reply = page.get_by_test_id("stChatMessage").nth(1)
    before = reply.get_by_test_id("stMarkdownContainer").first.inner_text()
    reply.get_by_role("button", name="Continue").click()
    # Extended in place (issue 31): no visible "continue" message, no second bubble; the reply
    # grows and keeps its actions.
    expect(page.get_by_text("credits: 2")).to_be_visible(timeout=15_000)
    wait_for_app(page)
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2)
    expect(page.get_by_text("Continue from where you stopped.", exact=True)).to_have_count(0)
    after = page.get_by_test_id("stChatMessage").nth(1).get_by_test_id("stMarkdownContainer").first.inner_text()
    assert after.startswith(before.strip()) and len(after) > len(before)
    expect(page.get_by_test_id("stChatMessage").nth(1).get_by_role("button", name="Regenerate")).to_be_visible()
    sent = sent_messages(sandbox, "Continue from where you stopped.")
    assert sent[-1] == {"role": "user", "content": "Continue from where you stopped."}
    assert sent[-2]["role"] == "assistant" and sent[-2]["content"]
    assert sent[-3]["content"].startswith(tag)
    page.reload()
    wait_for_app(page)
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2)
    expect(page.get_by_text("credits: 2")).to_be_visible()


AT_BOTTOM = """() => { const el = document.querySelector('.stMain');
    return el.scrollHeight - el.scrollTop - el.clientHeight < 48; }"""
STREAMING = "() => document.querySelector('.st-key-chat_stop') !== null"
REPLY_LENGTH = """() => { const m = document.querySelectorAll('[data-testid="stChatMessage"]');
    return m.length ? m[m.length - 1].innerText.length : 0; }"""


def stream_below_history(page: Page, app_url: str, prompt: str) -> None:
    """A new chat with enough history for the page to scroll, then `prompt` sent (streaming at
    the pace the caller set)."""
    page.set_viewport_size({"width": 1000, "height": 600})
    new_chat(page, app_url)
    for n in range(2):
        send(page, f"Filler {n} {uuid.uuid4().hex[:6]}")
        expect(page.get_by_test_id("stChatMessage")).to_have_count(2 * n + 2, timeout=15_000)
        wait_for_app(page)
    send(page, f"{prompt} {uuid.uuid4().hex[:6]}")
    expect(page.get_by_test_id("stChatMessage")).to_have_count(6, timeout=15_000)


def test_the_page_follows_a_streaming_reply(page: Page, app_url, sandbox_speed):
    sandbox_speed(token_rate=12)
    stream_below_history(page, app_url, "Follow me")
    page.wait_for_function(
        f"() => ({STREAMING})() && document.querySelector('.stMain')"
        ".scrollHeight > document.querySelector('.stMain').clientHeight + 200"
    )
    grown = page.evaluate(REPLY_LENGTH) + 60
    page.wait_for_function(f"() => ({REPLY_LENGTH})() > {grown}")  # the reply grows meanwhile
    assert page.evaluate(STREAMING) and page.evaluate(AT_BOTTOM), "the newest words are in view"

    sandbox_speed(token_rate=0)  # the rest of the reply at once: nothing more is looked at
    wait_for_app(page)


# Resolves with the page's scroll position once it has not moved for 10 frames: a wheel's smooth
# scroll has ended.
SETTLED_TOP = """() => new Promise((resolve) => {
    const el = document.querySelector('.stMain');
    let last = -1, same = 0;
    const tick = () => {
        if (el.scrollTop !== last) { last = el.scrollTop; same = 0; } else if (++same >= 10) return resolve(last);
        requestAnimationFrame(tick);
    };
    tick(); })"""
REPLY_LENGTH = "() => document.querySelectorAll('[data-testid=stChatMessage]')[5].innerText.length"


def wait_for_more_words(page: Page, chars: int = 150) -> None:
    """Several redraws of the streaming reply later (a few tokens each)."""
    grown = page.evaluate(REPLY_LENGTH) + chars
    page.wait_for_function(f"() => ({REPLY_LENGTH})() > {grown}", timeout=20_000)


def test_scrolling_up_stops_the_follow_and_scrolling_to_the_bottom_resumes_it(page: Page, app_url, sandbox_speed):
    sandbox_speed(token_rate=15)  # a long story: about 400 tokens, half a minute
    stream_below_history(page, app_url, "Tell me a long story")
    page.wait_for_function(
        f"() => ({STREAMING})() && ({AT_BOTTOM})() && document.querySelector('.stMain')"
        ".scrollHeight > document.querySelector('.stMain').clientHeight + 300"
    )

    page.mouse.move(500, 300)
    page.mouse.wheel(0, -400)  # returns before the page has seen it: wait for the scroll, then its end
    page.wait_for_function(f"() => !({AT_BOTTOM})()")
    top = page.evaluate(SETTLED_TOP)
    wait_for_more_words(page)
    assert page.evaluate(STREAMING), "the reply was still streaming"
    assert page.evaluate("document.querySelector('.stMain').scrollTop") == top, "left where the user put it"
    # What Streamlit's own stick-to-bottom does when the page grows during a scroll (about every
    # other scroll while a reply streams, so not reliably caught above): it is held off too.
    page.evaluate("const el = document.querySelector('.stMain'); el.scrollTop = el.scrollHeight")
    assert page.evaluate("document.querySelector('.stMain').scrollTop") == top, "Streamlit did not pull it down"

    page.mouse.wheel(0, 100_000)  # back down to the bottom: the follow resumes
    page.wait_for_function(AT_BOTTOM)
    wait_for_more_words(page)
    assert page.evaluate(STREAMING) and page.evaluate(AT_BOTTOM), "the newest words are in view again"

    stop_button(page).click()
    expect(page.get_by_text("Stopped: the part that arrived is kept.")).to_be_visible(timeout=15_000)
    wait_for_app(page)


def test_screenshots_of_the_chat_page_in_both_languages_and_sizes(page: Page, app_url):
    """Not an assertion of looks: pictures for a person to check (artifacts/screenshots/)."""
    page.set_viewport_size({"width": 1400, "height": 900})
    login(page, app_url, "root")
    start_new_chat(page)
    set_max_tokens(page, 20)
    send(page, "Tell me about the sea and its ships")
    expect(page.get_by_text("The reply reached the max_tokens limit")).to_be_visible(timeout=15_000)
    wait_for_app(page)
    send(page, "And now fail [500]")
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(1, timeout=15_000)
    wait_for_app(page)
    screenshot(page, "chat-edges-en-1400")
    open_settings_screenshot(page, "Settings", "chat-edges-settings-en")
    switch_language(page, "简体中文")
    screenshot(page, "chat-edges-zh-1400")
    open_settings_screenshot(page, "参数", "chat-edges-settings-zh")
    page.set_viewport_size({"width": 390, "height": 844})  # the sidebar folds away at this width
    wait_for_app(page)
    screenshot(page, "chat-edges-zh-390")
    switch_language_on_phone(page, "English")
    screenshot(page, "chat-edges-en-390")


def open_settings_screenshot(page: Page, label: str, name: str) -> None:
    page.get_by_role("button", name=label).click()
    wait_for_app(page)
    screenshot(page, name)
    page.keyboard.press("Escape")


def test_keeping_an_answer_turns_compare_off(page: Page, app_url):
    new_chat(page, app_url)
    page.get_by_text("Compare", exact=True).click()
    wait_for_app(page)
    chosen = page.get_by_test_id("stMultiSelect")
    chosen.get_by_role("combobox").click()
    page.get_by_role("option", name="gemini-pro", exact=True).click()
    wait_for_app(page)
    page.keyboard.press("Escape")
    expect(chosen).to_contain_text("gemini-pro")  # two models: the send is a comparison
    expect(chosen).to_contain_text("gpt-4o-mini")
    question = f"Pick one {uuid.uuid4().hex[:6]}"
    send(page, question)
    expect(page.get_by_role("button", name="Keep this answer")).to_have_count(2, timeout=30_000)
    wait_for_new_title(page, question)
    page.get_by_role("button", name="Keep this answer").last.click()
    expect(page.get_by_role("button", name="Keep this answer")).to_have_count(0, timeout=15_000)
    wait_for_app(page)
    expect(page.get_by_role("switch", name="Compare")).not_to_be_checked()
    expect(page.get_by_role("combobox", name="Model")).to_have_value("gemini-pro")


def test_copy_puts_the_message_on_the_clipboard_as_markdown_in_one_click(page: Page, app_url, e2e_dir):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    new_chat(page, app_url)
    send(page, "Copy me: **bold**, `code` and </script><b>tags</b>")
    wait_for_new_title(page, "Copy me:")  # the title is drawn as Markdown
    expect(page.get_by_text(re.compile(r"credits: \d+"))).to_be_visible()
    messages = page.get_by_test_id("stChatMessage")
    # The answer twice: a second click on the same message copies it again.
    for index, stored in ((0, 0), (1, 1), (1, 1)):
        page.evaluate("navigator.clipboard.writeText('')")
        messages.nth(index).get_by_role("button", name="Copy", exact=True).click()
        expect(page.get_by_test_id("stToast").filter(has_text="Copied as Markdown").last).to_be_visible()
        assert_clipboard_becomes(page, last_messages(e2e_dir, 2)[stored].content)


def assert_clipboard_becomes(page: Page, expected: str, seconds: float = 10) -> None:
    """The script writes the clipboard just after the run that shows the toast."""
    wait_until(lambda: page.evaluate("navigator.clipboard.readText()") == expected, seconds, "the clipboard's text")
