"""Chat's rough edges (issue 13) in real Chromium: stop, a refused file's cancel, failed turns,
length cut-offs and following the reply while it streams."""
from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, start_new_chat, wait_for_app
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


def chat_calls(e2e_dir):
    """The ledger's chat rows of the test user, oldest first."""
    frame = e2e_store(e2e_dir).usage_between(USER)
    return frame[frame["endpoint"] == "chat"].sort_values("id")


def test_stop_cancels_a_slow_call_and_records_it_as_stopped(page: Page, app_url, e2e_dir, sandbox_speed):
    sandbox_speed(hang_seconds=6)
    new_chat(page, app_url)
    calls_before = len(chat_calls(e2e_dir))
    send(page, f"Slow one {uuid.uuid4().hex[:6]} [timeout]")
    expect(page.get_by_text("Waiting for the model's first words")).to_be_visible(timeout=15_000)
    stop_button(page).click()
    expect(page.get_by_text("Waiting for the model's first words")).to_have_count(0, timeout=5_000)
    wait_for_app(page)
    page.wait_for_timeout(7_000)  # past the moment the server answers 504: nothing more is recorded
    calls = chat_calls(e2e_dir).iloc[calls_before:]
    assert list(calls["error_kind"]) == ["stopped"] and calls.iloc[0]["latency_ms"] < 5_000
    expect(page.get_by_test_id("stChatMessage")).to_have_count(1)
    expect(page.get_by_role("button", name="Retry")).to_be_visible()
