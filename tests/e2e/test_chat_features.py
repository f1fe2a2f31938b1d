"""Chat extras in real Chromium against `streamlit run` and the sandbox: compare, View code and
its cURL replayed, an attached or pasted PNG, import of a malformed file."""

from __future__ import annotations

import base64
import json
import subprocess
import time
import uuid

from playwright.sync_api import Page, expect

from lib.store import Store
from tests.e2e.helpers import login, screenshot, start_new_chat, wait_for_app, wait_for_uploaded_chips
from tests.e2e.test_chat import send
from tests.imagefiles import image_bytes

USER = "bob"


def new_chat(page: Page, app_url: str) -> None:
    login(page, app_url, USER)
    start_new_chat(page)


def e2e_store(e2e_dir) -> Store:
    return Store(f"sqlite:///{e2e_dir / 'store.db'}")


def last_messages(e2e_dir, n: int):
    store = e2e_store(e2e_dir)
    conversation = store.list_conversations(USER)[0]
    return store.list_messages(USER, conversation.id)[-n:]


def test_three_models_stream_side_by_side(page: Page, app_url, e2e_dir, sandbox_speed):
    sandbox_speed(token_rate=40)
    new_chat(page, app_url)
    page.get_by_text("Compare", exact=True).click()
    wait_for_app(page)
    models = page.get_by_test_id("stMultiSelect").get_by_role("combobox")
    for name in ("gemini-pro", "deepseek-chat"):  # the chat's model is already the first
        models.click()
        page.get_by_role("option", name=name, exact=True).click()
        wait_for_app(page)
    page.keyboard.press("Escape")
    prompt = f"Race {uuid.uuid4().hex[:6]}: explain streaming"
    started = time.perf_counter()
    send(page, prompt)
    expect(page.get_by_role("button", name="Keep this answer")).to_have_count(3, timeout=30_000)
    total = time.perf_counter() - started
    wait_for_app(page)
    replies = last_messages(e2e_dir, 3)
    elapsed = [m.meta["elapsed"] for m in replies]
    print(f"\ncompare in Chromium: total {total:.2f} s, slowest column {max(elapsed):.2f} s, sum {sum(elapsed):.2f} s")
    assert [m.meta["model"] for m in replies] == ["gpt-4o-mini", "gemini-pro", "deepseek-chat"]
    assert total < sum(elapsed) * 0.8
    screenshot(page, "chat-compare")


def test_view_code_curl_replays_to_the_reply_shown(page: Page, app_url, e2e_dir):
    new_chat(page, app_url)
    prompt = f"Code {uuid.uuid4().hex[:6]} with 'quotes' and 中文"
    send(page, prompt)
    expect(page.get_by_text("credits: 1")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    page.get_by_role("button", name="View code").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("client.chat.completions.create(")
    screenshot(page, "chat-view-code")
    dialog.get_by_role("tab", name="cURL").click()
    shell = dialog.get_by_test_id("stCode").filter(has_text="curl -sN").inner_text()
    assert "sk-..." in shell and prompt.split(" with")[0] in shell
    key = (e2e_dir / "key").read_text()
    assert key not in dialog.inner_text()
    output = subprocess.run(
        ["bash", "-c", shell.replace("sk-...", key)], capture_output=True, text=True, timeout=30
    ).stdout
    text = "".join(
        (c.get("delta") or {}).get("content") or ""
        for line in output.splitlines()
        if line.startswith("data: {")
        for c in json.loads(line[6:]).get("choices") or []
    )
    assert text == last_messages(e2e_dir, 1)[0].content


def test_attached_png_reaches_the_sandbox_as_image_url(page: Page, app_url, sandbox):
    new_chat(page, app_url)
    page.get_by_test_id("stChatInput").locator("input[type=file]").set_input_files(
        files=[{"name": "square.png", "mimeType": "image/png", "buffer": image_bytes()}]
    )
    prompt = f"Picture {uuid.uuid4().hex[:6]}"
    wait_for_uploaded_chips(page, 1)
    send(page, prompt)
    # Exactly one reply once the run after the stream has redrawn the history (a stricter wait
    # than "visible", which fails while that run briefly shows the streamed copy beside it).
    expect(page.get_by_text("I saw 1 image(s) in your message.")).to_have_count(1, timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_text("I saw 1 image(s) in your message.")).to_have_count(1)
    body = next(
        r["body"]
        for r in reversed(sandbox.control.recent_requests(20))
        if r["path"].endswith("/chat/completions") and prompt in json.dumps(r["body"])
    )
    parts = body["messages"][-1]["content"]
    assert parts[1]["type"] == "image_url" and "/files/uploads/" in parts[1]["image_url"]["url"]
    wait_for_app(page)
    expect(page.get_by_test_id("stChatMessage").first.get_by_role("img")).to_have_count(1)
    screenshot(page, "chat-attachment")


PASTE_PNG = """([b64, name]) => {
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], name, {type: "image/png"}));
    const box = document.querySelector("[data-testid=stChatInputTextArea]");
    box.focus();
    box.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
}"""


def test_pasted_image_is_attached_and_sent(page: Page, app_url, sandbox):
    new_chat(page, app_url)
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_editable()  # the paste goes to it
    page.evaluate(PASTE_PNG, [base64.b64encode(image_bytes(color=(20, 160, 60))).decode(), "pasted.png"])
    expect(page.get_by_test_id("stChatInput").get_by_test_id("stFileChipImagePreview")).to_have_count(1)
    wait_for_uploaded_chips(page, 1)
    prompt = f"Pasted {uuid.uuid4().hex[:6]}"
    send(page, prompt)
    # Exactly one reply once the run after the stream has redrawn the history (a stricter wait
    # than "visible", which fails while that run briefly shows the streamed copy beside it).
    expect(page.get_by_text("I saw 1 image(s) in your message.")).to_have_count(1, timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_text("I saw 1 image(s) in your message.")).to_have_count(1)
    body = next(
        r["body"]
        for r in reversed(sandbox.control.recent_requests(20))
        if r["path"].endswith("/chat/completions") and prompt in json.dumps(r["body"])
    )
    assert body["messages"][-1]["content"][1]["type"] == "image_url"


def test_import_of_a_malformed_file_changes_nothing(page: Page, app_url, e2e_dir):
    login(page, app_url, USER)
    before = [c.id for c in e2e_store(e2e_dir).list_conversations(USER)]
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[
            {
                "name": "evil.json",
                "mimeType": "application/json",
                "buffer": json.dumps(
                    {
                        "format": "reshi-playground/conversation",
                        "version": 1,
                        "title": "x",
                        "messages": [{"role": "root", "content": "<script>alert(1)</script>"}],
                    }
                ).encode(),
            }
        ]
    )
    page.get_by_role("button", name="Import this conversation").click()
    expect(page.get_by_text("This file was not imported")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("messages[0].role")).to_be_visible()
    assert [c.id for c in e2e_store(e2e_dir).list_conversations(USER)] == before
