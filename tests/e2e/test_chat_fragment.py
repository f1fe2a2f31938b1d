"""A message reruns only the conversation part of the Chat page (issue 12), in Chromium: what
the browser asks the server to run, and what the user sees after it."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from streamlit.proto.BackMsg_pb2 import BackMsg

from lib.store import Store
from lib.ui.chat.view import OPEN_SETTING
from tests.e2e.helpers import REPLY_DONE, login, start_new_chat, wait_for_app, wait_for_new_title
from tests.e2e.test_chat import send


def runs_asked(page: Page) -> list[str]:
    """Each run the page asks the server for, as it is sent: the fragment's id, or "page" for
    a run of the whole page."""
    asked: list[str] = []

    def on_websocket(ws) -> None:
        def on_frame(payload) -> None:
            message = BackMsg.FromString(payload) if isinstance(payload, bytes) else None
            if message is not None and message.WhichOneof("type") == "rerun_script":
                asked.append(message.rerun_script.fragment_id or "page")

        ws.on("framesent", on_frame)

    page.on("websocket", on_websocket)
    return asked


def frames_received(page: Page) -> list[bytes]:
    """Each message the server sends the page, as sent (a delta carries its text as it is)."""
    frames: list[bytes] = []

    def on_websocket(ws) -> None:
        ws.on("framereceived", lambda payload: frames.append(payload if isinstance(payload, bytes) else b""))

    page.on("websocket", on_websocket)
    return frames


def send_and_wait(page: Page, text: str, reply_index: int) -> None:
    send(page, text)
    expect(page.get_by_test_id("stChatMessage").nth(reply_index)).to_contain_text(REPLY_DONE, timeout=30_000)
    wait_for_app(page)


def test_a_message_reruns_the_conversation_alone_and_a_new_one_gets_its_title(page: Page, app_url):
    asked = runs_asked(page)
    login(page, app_url, "bob")
    start_new_chat(page)
    asked.clear()
    send_and_wait(page, "Fragment first words", 1)
    sidebar = page.get_by_test_id("stSidebar")
    # The new conversation's title, in the header and the sidebar: the whole page ran after it.
    expect(page.get_by_role("heading", name="Fragment first words")).to_be_visible()
    expect(sidebar.get_by_role("button", name="Fragment first words")).to_be_visible()

    asked.clear()
    send_and_wait(page, "Fragment second words", 3)
    assert len(asked) == 1 and asked[0] != "page", f"one run, of the conversation part alone: {asked}"
    expect(page.get_by_test_id("stChatMessage")).to_have_count(4)
    expect(page.get_by_test_id("stChatMessage").nth(2)).to_contain_text("Fragment second words")
    expect(sidebar.get_by_role("button", name="Fragment first words")).to_be_visible()


def test_a_session_signed_out_elsewhere_sends_nothing_more(page: Page, app_url, e2e_dir):
    """A run of the conversation part alone skips the router's checks: it makes its own."""
    login(page, app_url, "bob")
    start_new_chat(page)
    send_and_wait(page, "Fragment before signing out", 1)
    store = Store(f"sqlite:///{e2e_dir / 'store.db'}")
    store.sign_out_everywhere("bob")  # as "Log out" in another browser does
    send(page, "Fragment after signing out")
    expect(page.get_by_role("textbox", name="Username")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    sent = [m.content for c in store.list_conversations("bob") for m in store.list_messages("bob", c.id)]
    assert "Fragment before signing out" in sent and "Fragment after signing out" not in sent
    store.dispose()


def test_variables_filled_for_a_message_are_kept_with_the_conversation(page: Page, app_url, e2e_dir):
    """They are filled in the conversation part, whose run alone must save them."""
    login(page, app_url, "bob")
    start_new_chat(page)
    send_and_wait(page, "Fragment variables first", 1)
    wait_for_new_title(page, "Fragment variables first")  # else Settings is drawn again as it is typed in
    page.get_by_role("button", name="Settings").click()
    system = page.get_by_role("textbox", name="System prompt")
    system.fill("You talk to {{who}}.")
    system.press("Tab")
    wait_for_app(page)
    page.keyboard.press("Escape")
    send(page, "Fragment variables second")
    page.get_by_role("textbox", name="who").fill("Ann")
    page.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    expect(page.get_by_test_id("stChatMessage").nth(3)).to_contain_text(REPLY_DONE, timeout=30_000)
    wait_for_app(page)
    store = Store(f"sqlite:///{e2e_dir / 'store.db'}")
    [conversation] = [c for c in store.list_conversations("bob") if c.title == "Fragment variables first"]
    assert conversation.settings["variables"] == {"who": "Ann"}
    store.dispose()


def test_a_message_in_a_long_conversation_does_not_send_its_history_again(page: Page, app_url, e2e_dir):
    """The turns before the last question were drawn by the page's run and stay on the page;
    a message's run sends only what comes from the last question on (issue 30)."""
    store = Store(f"sqlite:///{e2e_dir / 'store.db'}")
    conversation = store.create_conversation("bob", "Fragment long history", None)
    for number in range(30):
        store.add_message(
            "bob", conversation.id, "user" if number % 2 == 0 else "assistant", f"History line {number:02d}"
        )
    store.set_setting("bob", OPEN_SETTING, conversation.id)
    store.dispose()
    frames = frames_received(page)
    login(page, app_url, "bob")
    messages = page.get_by_test_id("stChatMessage")
    expect(messages).to_have_count(30)
    frames.clear()
    send_and_wait(page, "Fragment after a long history", 31)
    sent = b"".join(frames)
    assert b"Fragment after a long history" in sent and b"History line 28" in sent  # the last turn, and the new
    assert not [n for n in range(28) if f"History line {n:02d}".encode() in sent], "earlier turns sent again"
    expect(messages).to_have_count(32)
    expect(messages.first).to_contain_text("History line 00")
    expect(messages.nth(29)).to_contain_text("History line 29")
